//! The structured change of DESIGN.md §7 (`fix` on findings and causes): what to change, on
//! which object, the values, and the Microsoft Graph request an administrator would send.
//! casift never sends it. Types here; the join that fills them lives in `evaluate/join.rs`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixAction {
    AddIpRanges,
    ExcludeUsers,
    ExcludeApplications,
    ChangeGrant,
    UseWorkloadIdentity,
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    NamedLocation,
    Policy,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FixTarget {
    pub kind: TargetKind,
    pub id: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphRequest {
    pub method: &'static str,
    pub path: String,
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub action: FixAction,
    pub target: Option<FixTarget>,
    /// CIDRs to add, user/group/app ids to exclude, controls to change.
    pub values: Vec<String>,
    pub graph_request: Option<GraphRequest>,
}
