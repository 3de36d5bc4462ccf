//! Timestamps on the wire: RFC 3339 UTC with a fixed six-digit fraction and a `Z`, so that the
//! strings sort like the instants they name and a client can hand one back as a cursor.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Formats an instant the way every payload carries it (`2024-01-15T10:30:00.123456Z`).
pub fn format(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses any RFC 3339 timestamp (any offset, any fraction) into UTC.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// `#[serde(with = "tigo_common::time::rfc3339")]` for required timestamps.
pub mod rfc3339 {
    use super::*;

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 timestamp"))
    }
}

/// `#[serde(with = "tigo_common::time::rfc3339_opt")]` for optional timestamps.
pub mod rfc3339_opt {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&format(at)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 timestamp")),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_micros_and_z_and_parses_back() {
        let at = parse("2024-01-15T12:30:00.5+02:00").expect("valid");
        assert_eq!(format(&at), "2024-01-15T10:30:00.500000Z");
        assert_eq!(parse(&format(&at)), Some(at));
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        assert!(parse("yesterday").is_none());
        assert!(parse("2024-01-15").is_none());
    }
}
