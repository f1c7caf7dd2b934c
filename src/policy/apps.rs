//! Built-in knowledge that no export carries: which resource app ids belong to the
//! `Office365` and `MicrosoftAdminPortals` suites, names of well-known app ids (POLICIES.md
//! §A.4) and of the directory role templates the reason texts mention.
//!
//! The suite lists are deliberately partial: Microsoft publishes the suites' member *names*
//! only (reference-office-365-application-contents.md). An app id in neither the member list
//! nor the known-outsider list is answered `None` (unknown), never guessed.

/// Resource app ids that are members of the `Office365` suite.
const OFFICE365: &[(&str, &str)] = &[
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    (
        "00000004-0000-0ff1-ce00-000000000000",
        "Skype for Business Online",
    ),
    ("00000005-0000-0ff1-ce00-000000000000", "Office 365 Yammer"),
    (
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        "Microsoft Teams Services",
    ),
    ("c9a559d2-7aab-4f13-a6ed-e7e9c52aec87", "Microsoft Forms"),
    ("09abbdfd-ed23-44ee-a2d9-a627aa1c90f3", "Microsoft Planner"),
    ("2634dd23-5e5a-431c-81ca-11710d9079f4", "Microsoft Stream"),
    ("2d4d3d8e-2be3-4bef-9f87-7875a61c29de", "OneNote"),
    ("c830ddb0-63e6-4f22-bd71-2ad47198a23e", "Microsoft To-Do"),
];

/// Resource app ids known to be outside `Office365` (Azure, Graph, Intune, the directory).
const NOT_OFFICE365: &[&str] = &[
    AZURE_DEVOPS,
    ARM,
    MICROSOFT_GRAPH,
    AZURE_PORTAL,
    "0000000a-0000-0000-c000-000000000000",
    "d4ebce55-015a-49b5-a083-c84d1797ae8c",
    "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
    "00000002-0000-0000-c000-000000000000",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
    "e406a681-f3d4-42a8-90b6-c2b029497af1",
    "022907d3-0f1b-48f7-badc-1ba6abab6d66",
];

/// Resource app ids of the admin portals (`MicrosoftAdminPortals`): the portals' own
/// front ends, not the APIs behind them.
const ADMIN_PORTALS: &[(&str, &str)] = &[
    (AZURE_PORTAL, "Azure Portal"),
    (
        "00000006-0000-0ff1-ce00-000000000000",
        "Microsoft Office 365 Portal",
    ),
    (
        "5926fc8e-304e-4f59-8bed-58ca97cc39a4",
        "Microsoft Intune portal extension",
    ),
    (
        "80ccca67-54bd-44ab-8625-4b79c4dc7775",
        "Microsoft 365 Security and Compliance Center",
    ),
];

/// Resource app ids known to be outside `MicrosoftAdminPortals`: APIs ("Graph/ARM API
/// calls are not covered") and workload resources. ARM is *not* listed: portal sign-ins
/// can carry the ARM audience, so an ARM resource stays unknown.
const NOT_ADMIN_PORTALS: &[&str] = &[
    MICROSOFT_GRAPH,
    AZURE_DEVOPS,
    "00000002-0000-0ff1-ce00-000000000000",
    "00000003-0000-0ff1-ce00-000000000000",
    "00000004-0000-0ff1-ce00-000000000000",
    "00000005-0000-0ff1-ce00-000000000000",
    "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
    "0000000a-0000-0000-c000-000000000000",
    "d4ebce55-015a-49b5-a083-c84d1797ae8c",
    "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
    "00000002-0000-0000-c000-000000000000",
    "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
    "e406a681-f3d4-42a8-90b6-c2b029497af1",
    "022907d3-0f1b-48f7-badc-1ba6abab6d66",
];

pub const AZURE_DEVOPS: &str = "499b84ac-1321-427f-aa17-267ca6975798";
pub const ARM: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
pub const MICROSOFT_GRAPH: &str = "00000003-0000-0000-c000-000000000000";
pub const AZURE_PORTAL: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
pub const EXCHANGE_ONLINE: &str = "00000002-0000-0ff1-ce00-000000000000";
pub const SHAREPOINT_ONLINE: &str = "00000003-0000-0ff1-ce00-000000000000";
pub const DEVICE_REGISTRATION: &str = "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9";

/// Names of other well-known app ids (§A.4), for reason texts.
const NAMES: &[(&str, &str)] = &[
    (AZURE_DEVOPS, "Azure DevOps"),
    (ARM, "Windows Azure Service Management API"),
    (MICROSOFT_GRAPH, "Microsoft Graph"),
    ("0000000a-0000-0000-c000-000000000000", "Microsoft Intune"),
    (
        "d4ebce55-015a-49b5-a083-c84d1797ae8c",
        "Microsoft Intune Enrollment",
    ),
    (DEVICE_REGISTRATION, "Device Registration Service"),
    (
        "00000012-0000-0000-c000-000000000000",
        "Microsoft Rights Management Services",
    ),
    (
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        "Microsoft Graph Command Line Tools",
    ),
    (
        "00000002-0000-0000-c000-000000000000",
        "Windows Azure Active Directory",
    ),
    ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault"),
    ("e406a681-f3d4-42a8-90b6-c2b029497af1", "Azure Storage"),
    ("022907d3-0f1b-48f7-badc-1ba6abab6d66", "Azure SQL Database"),
];

/// Built-in directory role templates named in reason texts (ids are the same in every tenant).
const ROLES: &[(&str, &str)] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "d29b2b05-8046-44ba-8758-1e26182fcf32",
        "Directory Synchronization Accounts",
    ),
];

fn find<'a>(table: &'a [(&'a str, &'a str)], id: &str) -> Option<&'a str> {
    let id = id.trim();
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(id))
        .map(|(_, n)| *n)
}

fn listed(table: &[&str], id: &str) -> bool {
    let id = id.trim();
    table.iter().any(|k| k.eq_ignore_ascii_case(id))
}

/// Whether a resource app id belongs to `Office365`: `Some(true)` member, `Some(false)`
/// known outsider, `None` not in this build's lists.
pub fn in_office365(app_id: &str) -> Option<bool> {
    if find(OFFICE365, app_id).is_some() {
        Some(true)
    } else if listed(NOT_OFFICE365, app_id) {
        Some(false)
    } else {
        None
    }
}

/// Whether a resource app id is one of `MicrosoftAdminPortals` (same three answers).
pub fn in_admin_portals(app_id: &str) -> Option<bool> {
    if find(ADMIN_PORTALS, app_id).is_some() {
        Some(true)
    } else if listed(NOT_ADMIN_PORTALS, app_id) {
        Some(false)
    } else {
        None
    }
}

/// Display name of a well-known app id.
pub fn app_name(app_id: &str) -> Option<&'static str> {
    find(OFFICE365, app_id)
        .or_else(|| find(ADMIN_PORTALS, app_id))
        .or_else(|| find(NAMES, app_id))
}

/// Display name of a built-in role template id.
pub fn role_name(template_id: &str) -> Option<&'static str> {
    find(ROLES, template_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_answer_member_outsider_or_unknown() {
        assert_eq!(in_office365(EXCHANGE_ONLINE), Some(true));
        assert_eq!(in_office365(&SHAREPOINT_ONLINE.to_uppercase()), Some(true));
        assert_eq!(in_office365(AZURE_DEVOPS), Some(false));
        assert_eq!(in_office365("11111111-2222-3333-4444-555555555555"), None);
        assert_eq!(in_admin_portals(AZURE_PORTAL), Some(true));
        assert_eq!(in_admin_portals(MICROSOFT_GRAPH), Some(false));
        assert_eq!(in_admin_portals(ARM), None);
    }

    #[test]
    fn no_id_is_both_member_and_outsider() {
        for (id, _) in OFFICE365 {
            assert!(!listed(NOT_OFFICE365, id), "{id}");
        }
        for (id, _) in ADMIN_PORTALS {
            assert!(!listed(NOT_ADMIN_PORTALS, id), "{id}");
        }
    }

    #[test]
    fn names_for_texts() {
        assert_eq!(app_name(AZURE_DEVOPS), Some("Azure DevOps"));
        assert_eq!(
            role_name("62E90394-69F5-4237-9190-012177145E10"),
            Some("Global Administrator")
        );
        assert_eq!(app_name("not-an-id"), None);
    }
}
