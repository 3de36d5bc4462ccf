//! Booking-platform safety rules, with no I/O: contact masking ([`mask`], phone numbers in
//! `phone`, links in `links`, what words before a number say in `context`) and blocked terms
//! ([`terms`]), both reading text as [`fold`] normalises it; [`Safety`] is what every
//! instance holds of them. The `safety` module applies them on the send path.

mod context;
pub mod corpus;
pub mod fold;
mod links;
pub mod mask;
#[cfg(test)]
mod mask_tests;
mod phone;
pub mod terms;

use tigo_common::RoomType;

use self::mask::Masker;
use self::terms::Blocklist;
use crate::config::SafetyConfig;

/// What every instance holds for screening.
pub struct Safety {
    config: SafetyConfig,
    masker: Masker,
    pub blocklist: Blocklist,
}

impl Safety {
    pub fn new(config: SafetyConfig) -> Safety {
        Safety {
            masker: Masker::new(&config.allowed_link_domains),
            config,
            blocklist: Blocklist::default(),
        }
    }

    /// Whether messages of rooms of this type are masked.
    pub fn masks(&self, room_type: RoomType) -> bool {
        self.config.masked_types.contains(&room_type)
    }
}

impl Safety {
    /// Masks a text with this instance's allowed link domains.
    pub fn mask(&self, text: &str, max_chars: usize) -> mask::Masked {
        self.masker.mask(text, max_chars)
    }
}
