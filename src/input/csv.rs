//! CSV header mapping and row decoding (placeholder until the CSV readers land).

use crate::model::{AuthDetail, EventType, SignIn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    Portal,
    LogAnalytics,
    AuthDetails,
}

#[derive(Debug, Clone)]
pub struct CsvLayout {
    pub kind: CsvKind,
    pub day_first: bool,
}

pub fn layout(_headers: &csv::ByteRecord) -> Result<CsvLayout, String> {
    Err("CSV input is not supported yet".to_string())
}

pub fn detect_day_first(_layout: &mut CsvLayout, _rows: &[csv::ByteRecord]) {}

pub fn decode(
    _layout: &CsvLayout,
    _rec: &csv::ByteRecord,
    _hint: EventType,
) -> Result<SignIn, String> {
    Err("CSV input is not supported yet".to_string())
}

pub fn decode_auth_detail(
    _layout: &CsvLayout,
    _rec: &csv::ByteRecord,
) -> Result<(String, AuthDetail), String> {
    Err("CSV input is not supported yet".to_string())
}

pub fn event_type_from_file_name(_name: &str) -> EventType {
    EventType::Unknown
}
