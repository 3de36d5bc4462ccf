//! Notification preferences: checking what a user sends, storing it, and the rules read from
//! it (quiet hours in the user's IANA time zone, muted rooms).

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use tigo_common::{EmailPreference, NotificationPreferences, QuietHours};
use uuid::Uuid;

use crate::db::notify::PrefsRecord;

/// Quiet hours, checked: local start and end, and the zone.
#[derive(Debug, Clone, Copy)]
pub struct Quiet {
    start: NaiveTime,
    end: NaiveTime,
    zone: Tz,
}

impl Quiet {
    /// Parses and checks quiet hours as a client sent them.
    pub fn parse(hours: &QuietHours) -> Result<Quiet, &'static str> {
        let time = |s: &str| {
            (s.len() == 5)
                .then(|| NaiveTime::parse_from_str(s, "%H:%M").ok())
                .flatten()
        };
        let start = time(&hours.start).ok_or("quiet_hours.start must be HH:MM")?;
        let end = time(&hours.end).ok_or("quiet_hours.end must be HH:MM")?;
        if start == end {
            return Err("quiet_hours.start and quiet_hours.end must differ");
        }
        let zone: Tz = hours
            .timezone
            .parse()
            .map_err(|_| "quiet_hours.timezone must be an IANA time zone")?;
        Ok(Quiet { start, end, zone })
    }

    /// Whether `now` falls in the quiet hours (start included, end not).
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.zone).time();
        if self.start < self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// When the quiet hours that contain `now` end (the next local `end`), in UTC.
    pub fn end_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = now.with_timezone(&self.zone);
        let mut day = local.date_naive();
        if local.time() >= self.end {
            day = day.succ_opt().unwrap_or(day);
        }
        // A local time a DST change skips: an hour later exists.
        let naive = day.and_time(self.end);
        self.zone
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(naive + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map_or(now + chrono::Duration::hours(1), |t| t.with_timezone(&Utc))
    }
}

/// The rules read from a user's stored preferences (defaults when none are stored).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub push: bool,
    pub email: bool,
    pub quiet: Option<Quiet>,
    pub muted: Vec<Uuid>,
}

impl Rules {
    pub fn of(record: Option<&PrefsRecord>) -> Rules {
        let prefs = record.map(to_wire).unwrap_or_default();
        Rules {
            push: prefs.push,
            email: prefs.email == EmailPreference::Digest,
            quiet: prefs
                .quiet_hours
                .as_ref()
                .and_then(|q| Quiet::parse(q).ok()),
            muted: prefs.muted_rooms,
        }
    }

    pub fn quiet_at(&self, now: DateTime<Utc>) -> bool {
        self.quiet.is_some_and(|q| q.contains(now))
    }
}

/// What the client sees of a stored record.
pub fn to_wire(record: &PrefsRecord) -> NotificationPreferences {
    NotificationPreferences {
        push: record.push,
        email: if record.email == "off" {
            EmailPreference::Off
        } else {
            EmailPreference::Digest
        },
        quiet_hours: record
            .quiet_hours
            .as_deref()
            .and_then(|q| serde_json::from_str(q).ok()),
        muted_rooms: serde_json::from_str(&record.muted_rooms).unwrap_or_default(),
    }
}

/// The record to store for checked preferences (the e-mail state is the store's).
pub fn to_record(prefs: &NotificationPreferences) -> PrefsRecord {
    let mut muted = prefs.muted_rooms.clone();
    muted.sort();
    muted.dedup();
    PrefsRecord {
        push: prefs.push,
        email: prefs.email.as_str().into(),
        quiet_hours: prefs
            .quiet_hours
            .as_ref()
            .and_then(|q| serde_json::to_string(q).ok()),
        muted_rooms: serde_json::to_string(&muted).unwrap_or_else(|_| "[]".into()),
        last_seen_at: None,
        emailed_at: None,
        emailed_seq: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(start: &str, end: &str, zone: &str) -> Quiet {
        Quiet::parse(&QuietHours {
            start: start.into(),
            end: end.into(),
            timezone: zone.into(),
        })
        .expect("valid quiet hours")
    }

    #[test]
    fn quiet_hours_span_midnight_in_the_users_zone() {
        let q = quiet("22:00", "07:00", "Europe/Berlin");
        // 21:30 UTC in December is 22:30 in Berlin.
        let late = Utc.with_ymd_and_hms(2026, 12, 7, 21, 30, 0).unwrap();
        assert!(q.contains(late));
        assert_eq!(
            q.end_after(late),
            Utc.with_ymd_and_hms(2026, 12, 8, 6, 0, 0).unwrap()
        );
        let noon = Utc.with_ymd_and_hms(2026, 12, 7, 11, 0, 0).unwrap();
        assert!(!q.contains(noon));
    }

    #[test]
    fn bad_quiet_hours_are_refused() {
        for (s, e, z) in [
            ("25:00", "07:00", "UTC"),
            ("22:00", "7:00", "UTC"),
            ("22:00", "07:00", "Mars/Olympus"),
            ("07:00", "07:00", "UTC"),
        ] {
            let hours = QuietHours {
                start: s.into(),
                end: e.into(),
                timezone: z.into(),
            };
            assert!(Quiet::parse(&hours).is_err(), "{s}-{e} {z}");
        }
    }
}
