//! A raw record (the fast path's or serde's) into the normalized `SignIn`: every field
//! set, the strings swapped with the ones the previous record left, the fallbacks of the
//! diagnostic envelope and the Log Analytics names applied.

use super::{RawEnvelope, RawSignIn, event_type_of, reuse};
use crate::input::time::parse_datetime;
use crate::model::{
    AppliedPolicy, AuthDetail, CaStatus, Device, Location, NetworkLocation, PolicyResult, SignIn,
};

/// `raw` into `out`: every field of `out` set, each string swapped with the one `out`
/// held (so `raw` gets back the memory of the previous record's), the lists' elements
/// taken from and given back to `spare`.
pub(super) fn normalize_into(
    raw: &mut RawSignIn,
    env: Option<(String, RawEnvelope)>,
    out: &mut SignIn,
    spare: &mut reuse::OutSpare,
) -> Result<(), String> {
    use std::mem::{swap, take};
    let mut time_text = raw.created_date_time.0.trim();
    if time_text.is_empty() {
        time_text = raw.time_generated.0.trim();
    }
    if time_text.is_empty()
        && let Some((_, e)) = &env
    {
        time_text = e.time.0.trim();
    }
    if time_text.is_empty() {
        return Err("missing createdDateTime".to_string());
    }
    let created = parse_datetime(time_text, false)
        .ok_or_else(|| format!("unparseable createdDateTime {time_text:?}"))?;

    let status = &mut raw.status.0;
    let error_code = status
        .error_code
        .0
        .or(raw.result_type.0)
        .or(env.as_ref().and_then(|(_, e)| e.result_type.0))
        .unwrap_or(0);
    let category = env
        .as_ref()
        .map_or(raw.category.0.as_str(), |(c, _)| c.as_str());
    let interactive = raw.is_interactive.0;
    let event_type = event_type_of(
        &raw.sign_in_event_types.0,
        &raw.table.0,
        category,
        interactive,
    );
    let ca_status = CaStatus::parse(&raw.conditional_access_status.0);

    // Every field named (no `..`): a field added later must be named here, and one named
    // but not set is an unused variable, which CI's `-D warnings` rejects.
    let SignIn {
        request_id,
        correlation_id,
        created: out_created,
        user_principal_name,
        user_id,
        user_display_name,
        user_type,
        app_id,
        app_display_name,
        resource_id,
        resource_display_name,
        service_principal_id,
        service_principal_name,
        ip,
        ip_addr,
        resource_ip,
        resource_ip_addr,
        client_app_used,
        user_agent,
        interactive: out_interactive,
        event_type: out_event_type,
        error_code: out_error_code,
        failure_reason,
        additional_details,
        ca_status: out_ca_status,
        policies,
        has_policy_detail,
        device,
        location,
        network_locations,
        authentication_requirement,
        auth_details,
        risk_level_during_sign_in,
        risk_level_aggregated,
        risk_state,
        risk_detail,
        risk_event_types,
        audiences,
        authentication_protocol,
        original_transfer_method,
    } = out;
    *out_created = created;
    *out_interactive = interactive;
    *out_event_type = event_type;
    *out_error_code = error_code;
    *out_ca_status = ca_status;
    *has_policy_detail = true;

    if status.failure_reason.0.is_empty() {
        swap(failure_reason, &mut raw.result_description.0);
    } else {
        swap(failure_reason, &mut status.failure_reason.0);
    }
    swap(additional_details, &mut status.additional_details.0);

    let ip_text = match &env {
        Some((_, e)) if raw.ip_address.0.is_empty() => e.caller_ip_address.0.as_str(),
        _ => raw.ip_address.0.as_str(),
    };
    *ip_addr = crate::input::ip_field_into(ip_text, ip);
    *resource_ip_addr =
        crate::input::ip_field_into(&raw.ip_address_from_resource_provider.0, resource_ip);
    match &env {
        Some((_, e)) if raw.correlation_id.0.is_empty() => {
            correlation_id.clear();
            correlation_id.push_str(&e.correlation_id.0);
        }
        _ => swap(correlation_id, &mut raw.correlation_id.0),
    }

    let raw_policies = &mut raw.applied_conditional_access_policies.0;
    reuse::resize(policies, raw_policies.len(), &mut spare.policies);
    for (p, o) in raw_policies.iter_mut().zip(policies.iter_mut()) {
        let AppliedPolicy {
            id,
            display_name,
            result,
            grant_controls,
            session_controls,
            conditions_satisfied,
            conditions_not_satisfied,
            session_controls_not_satisfied,
            authentication_strength,
            include_rules_satisfied,
            exclude_rules_satisfied,
        } = o;
        swap(id, &mut p.id.0);
        swap(display_name, &mut p.display_name.0);
        *result = (!p.result.0.is_empty()).then(|| PolicyResult::parse(&p.result.0));
        swap(grant_controls, &mut p.enforced_grant_controls.0);
        swap(session_controls, &mut p.enforced_session_controls.0);
        swap(conditions_satisfied, &mut p.conditions_satisfied.0);
        swap(conditions_not_satisfied, &mut p.conditions_not_satisfied.0);
        swap(
            session_controls_not_satisfied,
            &mut p.session_controls_not_satisfied.0,
        );
        authentication_strength.clear();
        *include_rules_satisfied = take(&mut p.include_rules_satisfied).into_pairs();
        *exclude_rules_satisfied = take(&mut p.exclude_rules_satisfied).into_pairs();
    }

    let d = &mut raw.device_detail.0;
    let Device {
        device_id,
        display_name,
        operating_system,
        browser,
        is_compliant,
        is_managed,
        trust_type,
    } = device;
    swap(device_id, &mut d.device_id.0);
    swap(display_name, &mut d.display_name.0);
    swap(operating_system, &mut d.operating_system.0);
    swap(browser, &mut d.browser.0);
    *is_compliant = d.is_compliant.0;
    *is_managed = d.is_managed.0;
    swap(trust_type, &mut d.trust_type.0);
    let l = &mut raw.location.0;
    let Location {
        city,
        state,
        country,
    } = location;
    swap(city, &mut l.city.0);
    swap(state, &mut l.state.0);
    swap(country, &mut l.country_or_region.0);

    *network_locations = raw.network_location_details.take().map(|n| {
        n.0.into_iter()
            .map(|l| NetworkLocation {
                network_type: l.network_type.0,
                network_names: l.network_names.0,
            })
            .collect()
    });

    let raw_auth = &mut raw.authentication_details.0;
    reuse::resize(auth_details, raw_auth.len(), &mut spare.auth);
    for (a, o) in raw_auth.iter_mut().zip(auth_details.iter_mut()) {
        let AuthDetail {
            method,
            method_detail,
            succeeded,
            result_detail,
            step_requirement,
        } = o;
        swap(method, &mut a.authentication_method.0);
        swap(method_detail, &mut a.authentication_method_detail.0);
        *succeeded = a.succeeded.0;
        swap(result_detail, &mut a.authentication_step_result_detail.0);
        swap(step_requirement, &mut a.authentication_step_requirement.0);
    }

    swap(request_id, &mut raw.id.0);
    swap(user_principal_name, &mut raw.user_principal_name.0);
    swap(user_id, &mut raw.user_id.0);
    swap(user_display_name, &mut raw.user_display_name.0);
    swap(user_type, &mut raw.user_type.0);
    swap(app_id, &mut raw.app_id.0);
    swap(app_display_name, &mut raw.app_display_name.0);
    swap(resource_id, &mut raw.resource_id.0);
    swap(resource_display_name, &mut raw.resource_display_name.0);
    swap(service_principal_id, &mut raw.service_principal_id.0);
    swap(service_principal_name, &mut raw.service_principal_name.0);
    swap(client_app_used, &mut raw.client_app_used.0);
    swap(user_agent, &mut raw.user_agent.0);
    swap(
        authentication_requirement,
        &mut raw.authentication_requirement.0,
    );
    swap(
        risk_level_during_sign_in,
        &mut raw.risk_level_during_sign_in.0,
    );
    swap(risk_level_aggregated, &mut raw.risk_level_aggregated.0);
    swap(risk_state, &mut raw.risk_state.0);
    swap(risk_detail, &mut raw.risk_detail.0);
    swap(risk_event_types, &mut raw.risk_event_types_v2.0);
    *audiences = take(&mut raw.conditional_access_audiences).into_ids();
    swap(authentication_protocol, &mut raw.authentication_protocol.0);
    swap(
        original_transfer_method,
        &mut raw.original_transfer_method.0,
    );
    Ok(())
}
