//! Path and query parameters: UUIDs, integers in a range, booleans, room types, paging bounds
//! (an instant or a message id).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tigo_common::RoomType;
use uuid::Uuid;

use super::{Problems, enum_message};
use crate::error::{AppError, AppResult};

/// A path parameter that must be a UUID.
pub fn path_uuid(name: &str, text: &str) -> AppResult<Uuid> {
    match Uuid::parse_str(text) {
        Ok(id) if text.len() == 36 => Ok(id),
        _ => Err(AppError::validation(format!("{name} must be a UUID"))),
    }
}

/// Query parameters, decoded.
pub type Params = HashMap<String, String>;

pub fn parse_query(raw: &str) -> Params {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// Query parameters, refusing NUL characters.
pub fn checked_query(raw: &str) -> AppResult<Params> {
    let params = parse_query(raw);
    if params
        .iter()
        .any(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        return Err(AppError::validation(
            "query parameters must not contain NUL characters",
        ));
    }
    Ok(params)
}

/// An integer parameter within `min..=max`, or its default.
pub fn int_param(
    params: &Params,
    name: &str,
    default: u32,
    min: u32,
    max: u32,
    p: &mut Problems,
) -> u32 {
    let Some(text) = params.get(name) else {
        return default;
    };
    match text.trim().parse::<i64>() {
        Ok(n) if n < min as i64 => {
            p.push(format!("{name} must not be less than {min}"));
            default
        }
        Ok(n) if n > max as i64 => {
            p.push(format!("{name} must not be greater than {max}"));
            default
        }
        Ok(n) => n as u32,
        Err(_) => {
            p.push(format!("{name} must be an integer number"));
            default
        }
    }
}

pub fn bool_param(params: &Params, name: &str, p: &mut Problems) -> Option<bool> {
    match params.get(name).map(|s| s.trim()) {
        None => None,
        Some("true") | Some("1") => Some(true),
        Some("false") | Some("0") => Some(false),
        Some(_) => {
            p.push(format!("{name} must be a boolean value"));
            None
        }
    }
}

pub fn uuid_param(params: &Params, name: &str, p: &mut Problems) -> Option<Uuid> {
    let text = params.get(name)?;
    match Uuid::parse_str(text.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            p.push(format!("{name} must be a UUID"));
            None
        }
    }
}

pub fn room_type_param(params: &Params, name: &str, p: &mut Problems) -> Option<RoomType> {
    let text = params.get(name)?;
    let parsed = RoomType::parse(text.trim());
    if parsed.is_none() {
        let types: Vec<&str> = RoomType::ALL.iter().map(|t| t.as_str()).collect();
        p.push(enum_message(name, &types));
    }
    parsed
}

/// A history bound: an RFC 3339 instant or a message id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    At(DateTime<Utc>),
    Message(Uuid),
}

pub fn bound_param(params: &Params, name: &str, p: &mut Problems) -> Option<Bound> {
    let text = params.get(name)?.trim();
    if let Ok(id) = Uuid::parse_str(text) {
        return Some(Bound::Message(id));
    }
    match tigo_common::time::parse(text) {
        Some(at) => Some(Bound::At(at)),
        None => {
            p.push(format!(
                "{name} must be an RFC 3339 timestamp or a message id"
            ));
            None
        }
    }
}
