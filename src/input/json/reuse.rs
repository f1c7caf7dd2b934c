//! The decoder's memory kept from record to record: the raw structs the fast path fills,
//! emptied without freeing their strings, and the list elements of the last records.
//!
//! Decoding moves most strings into the `SignIn` by swapping them with the ones the
//! previous record left there (the IP texts are rewritten in place), so after the first
//! records of a chunk they are refilled instead of allocated and freed. Still allocated per
//! record: the items of string lists (grant controls, event types), network locations,
//! rule evidence and audiences.

use super::{RawAuthDetail, RawDevice, RawLocation, RawPolicy, RawSignIn, RawStatus};
use crate::input::flex::{FlexBool, FlexInt};
use crate::model::{AppliedPolicy, AuthDetail};

/// One worker's decoding space, reused record after record. Its content between two
/// records means nothing: the fast path empties it before it reads a record, and the
/// other paths only use its spare list elements.
#[derive(Default)]
pub struct Scratch {
    pub(super) raw: RawSignIn,
    pub(super) spare: Spare,
    pub(super) out: OutSpare,
}

/// Raw list elements waiting for the next record's lists.
#[derive(Default)]
pub(super) struct Spare {
    pub(super) policies: Vec<RawPolicy>,
    pub(super) auth: Vec<RawAuthDetail>,
}

/// `SignIn` list elements a shorter list left over, for a longer one later.
#[derive(Default)]
pub(super) struct OutSpare {
    pub(super) policies: Vec<AppliedPolicy>,
    pub(super) auth: Vec<AuthDetail>,
}

/// At most this many spare elements of a kind are kept: a tenant has at most 195
/// policies, and a hostile record listing more is not worth keeping memory for.
const MAX_SPARE: usize = 256;

/// `items` made `n` long: extra elements go to `spare`, missing ones come from it (their
/// content stale: the caller sets every field).
pub(super) fn resize<T: Default>(items: &mut Vec<T>, n: usize, spare: &mut Vec<T>) {
    while items.len() > n {
        let extra = items.pop();
        if spare.len() < MAX_SPARE {
            spare.extend(extra);
        }
    }
    while items.len() < n {
        items.push(spare.pop().unwrap_or_default());
    }
}

/// Back to the default value, keeping the memory of the strings.
pub(super) trait Recycle: Default {
    fn recycle(&mut self);
}

/// Empties `items` into `spare` (bounded), for the list reader to take back.
pub(super) fn recycle_list<T>(items: &mut Vec<T>, spare: &mut Vec<T>) {
    let room = MAX_SPARE.saturating_sub(spare.len());
    let keep = items.len().min(room);
    spare.extend(items.drain(..keep));
    items.clear();
}

impl Recycle for RawStatus {
    fn recycle(&mut self) {
        let RawStatus {
            error_code,
            failure_reason,
            additional_details,
        } = self;
        *error_code = FlexInt(None);
        failure_reason.0.clear();
        additional_details.0.clear();
    }
}

impl Recycle for RawDevice {
    fn recycle(&mut self) {
        let RawDevice {
            device_id,
            display_name,
            operating_system,
            browser,
            is_compliant,
            is_managed,
            trust_type,
        } = self;
        for s in [
            device_id,
            display_name,
            operating_system,
            browser,
            trust_type,
        ] {
            s.0.clear();
        }
        *is_compliant = FlexBool(None);
        *is_managed = FlexBool(None);
    }
}

impl Recycle for RawLocation {
    fn recycle(&mut self) {
        let RawLocation {
            city,
            state,
            country_or_region,
        } = self;
        for s in [city, state, country_or_region] {
            s.0.clear();
        }
    }
}

impl Recycle for RawPolicy {
    fn recycle(&mut self) {
        let RawPolicy {
            id,
            display_name,
            result,
            enforced_grant_controls,
            enforced_session_controls,
            conditions_satisfied,
            conditions_not_satisfied,
            session_controls_not_satisfied,
            include_rules_satisfied,
            exclude_rules_satisfied,
        } = self;
        for s in [
            id,
            display_name,
            result,
            conditions_satisfied,
            conditions_not_satisfied,
        ] {
            s.0.clear();
        }
        for l in [
            enforced_grant_controls,
            enforced_session_controls,
            session_controls_not_satisfied,
        ] {
            l.0.clear();
        }
        include_rules_satisfied.0.clear();
        exclude_rules_satisfied.0.clear();
    }
}

impl Recycle for RawAuthDetail {
    fn recycle(&mut self) {
        let RawAuthDetail {
            authentication_method,
            authentication_method_detail,
            succeeded,
            authentication_step_result_detail,
            authentication_step_requirement,
        } = self;
        for s in [
            authentication_method,
            authentication_method_detail,
            authentication_step_result_detail,
            authentication_step_requirement,
        ] {
            s.0.clear();
        }
        *succeeded = FlexBool(None);
    }
}

impl RawSignIn {
    /// Back to `RawSignIn::default()`, its list elements moved to `spare`.
    pub(super) fn recycle(&mut self, spare: &mut Spare) {
        // Every field named (no `..`): a field added later must be named here, and one
        // named but not reset is an unused variable, which CI's `-D warnings` rejects.
        let RawSignIn {
            id,
            created_date_time,
            time_generated,
            user_display_name,
            user_principal_name,
            user_id,
            user_type,
            app_id,
            app_display_name,
            resource_id,
            resource_display_name,
            service_principal_id,
            service_principal_name,
            ip_address,
            ip_address_from_resource_provider,
            client_app_used,
            user_agent,
            correlation_id,
            conditional_access_status,
            is_interactive,
            sign_in_event_types,
            status,
            result_type,
            result_description,
            device_detail,
            location,
            applied_conditional_access_policies,
            network_location_details,
            authentication_requirement,
            authentication_details,
            risk_level_during_sign_in,
            risk_level_aggregated,
            risk_state,
            risk_detail,
            risk_event_types_v2,
            category,
            conditional_access_audiences,
            authentication_protocol,
            original_transfer_method,
            table,
        } = self;
        for s in [
            id,
            created_date_time,
            time_generated,
            user_display_name,
            user_principal_name,
            user_id,
            user_type,
            app_id,
            app_display_name,
            resource_id,
            resource_display_name,
            service_principal_id,
            service_principal_name,
            ip_address,
            ip_address_from_resource_provider,
            client_app_used,
            user_agent,
            correlation_id,
            conditional_access_status,
            result_description,
            authentication_requirement,
            risk_level_during_sign_in,
            risk_level_aggregated,
            risk_state,
            risk_detail,
            category,
            authentication_protocol,
            original_transfer_method,
            table,
        ] {
            s.0.clear();
        }
        *is_interactive = FlexBool(None);
        *result_type = FlexInt(None);
        sign_in_event_types.0.clear();
        risk_event_types_v2.0.clear();
        conditional_access_audiences.0.clear();
        status.0.recycle();
        device_detail.0.recycle();
        location.0.recycle();
        recycle_list(
            &mut applied_conditional_access_policies.0,
            &mut spare.policies,
        );
        recycle_list(&mut authentication_details.0, &mut spare.auth);
        *network_location_details = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_reuses_and_bounds_the_spares() {
        let mut spare: Vec<String> = Vec::new();
        let mut items = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        resize(&mut items, 1, &mut spare);
        assert_eq!(items, ["a"]);
        assert_eq!(spare.len(), 2);
        resize(&mut items, 4, &mut spare);
        assert_eq!(items.len(), 4);
        assert!(spare.is_empty());
        let mut many: Vec<String> = vec![String::new(); 3 * MAX_SPARE];
        recycle_list(&mut many, &mut spare);
        assert!(many.is_empty());
        assert_eq!(spare.len(), MAX_SPARE);
        resize(&mut items, 0, &mut spare);
        assert_eq!(spare.len(), MAX_SPARE);
    }
}
