//! Every example of the contract's "Contact masking" section, masked and not masked, and the
//! properties the send path relies on: masking is idempotent and never grows a message past
//! the limit.

use proptest::prelude::*;

use super::mask::{Counts, EMAIL_HIDDEN, LINK_HIDDEN, Masker, PHONE_HIDDEN};

const LIMIT: usize = 10_000;

fn mask(text: &str) -> (String, Counts) {
    let m = Masker::default().mask(text, LIMIT);
    (m.text, m.counts)
}

#[test]
fn the_contracts_phone_numbers_are_hidden() {
    for phone in [
        "+49 30 1234 5678",
        "+1 (555) 123-4567",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "06 12 34 56 78",
        "0049 30 12345678",
        "+33612345678",
    ] {
        let (text, counts) = mask(&format!("call me at {phone} tonight"));
        assert_eq!(
            text,
            format!("call me at {PHONE_HIDDEN} tonight"),
            "{phone}"
        );
        assert_eq!(counts.kinds(), vec!["phone"], "{phone}");
        assert_eq!(mask(phone).0, PHONE_HIDDEN, "{phone} alone");
    }
}

#[test]
fn the_contracts_addresses_and_links_are_hidden() {
    for (text, marker, kind) in [
        ("john.doe@gmail.com", EMAIL_HIDDEN, "email"),
        ("JOHN@EXAMPLE.ORG", EMAIL_HIDDEN, "email"),
        ("https://book-direct.example/x", LINK_HIDDEN, "link"),
        ("www.book-direct.example", LINK_HIDDEN, "link"),
        ("book-direct.example/rooms", LINK_HIDDEN, "link"),
    ] {
        let (masked, counts) = mask(&format!("see {text}, thanks"));
        assert_eq!(masked, format!("see {marker}, thanks"), "{text}");
        assert_eq!(counts.kinds(), vec![kind], "{text}");
    }
}

#[test]
fn the_contracts_ordinary_numbers_are_kept() {
    for text in [
        "1234567890",
        "2024-01-15",
        "15.01.2024",
        "10:30-11:45",
        "€1,250.00",
        "room 1204",
        "2 adults and 1 child",
        "check-in 14:00",
    ] {
        assert_eq!(mask(text), (text.to_string(), Counts::default()), "{text}");
        let sentence = format!("Booking {text} is confirmed.");
        assert_eq!(mask(&sentence).0, sentence, "{text} in a sentence");
    }
    let mixed = "Arrival 2024-01-15 10:30, booking 1234567890, €1,250.00 for 2 adults";
    assert_eq!(mask(mixed).0, mixed);
}

#[test]
fn several_kinds_are_listed_in_the_contracts_order() {
    let (text, counts) = mask("mail JOHN@EXAMPLE.ORG or ring +33612345678, www.x-hotel.example");
    assert_eq!(
        text,
        format!("mail {EMAIL_HIDDEN} or ring {PHONE_HIDDEN}, {LINK_HIDDEN}")
    );
    assert_eq!(counts.kinds(), vec!["phone", "email", "link"]);
    assert_eq!((counts.phone, counts.email, counts.link), (1, 1, 1));
}

#[test]
fn links_to_allowed_domains_and_their_subdomains_are_kept() {
    let masker = Masker::new(&["tigo.example".to_string()]);
    let kept = "see https://www.tigo.example/hotels/1 and tigo.example/help";
    assert_eq!(masker.mask(kept, LIMIT).text, kept);
    let other = masker.mask("see https://nottigo.example/x", LIMIT);
    assert_eq!(other.text, format!("see {LINK_HIDDEN}"));
    // An address at an allowed domain is still an address.
    let mail = masker.mask("write to desk@tigo.example", LIMIT);
    assert_eq!(mail.text, format!("write to {EMAIL_HIDDEN}"));
}

#[test]
fn a_marker_longer_than_what_it_hides_never_pushes_past_the_limit() {
    let text = format!("{} +33612345", "a".repeat(95));
    let masked = Masker::default().mask(&text, 100);
    assert_eq!(masked.text.chars().count(), 100);
    assert!(masked.text.starts_with(&"a".repeat(95)));
    assert_eq!(masked.counts.phone, 1);
}

/// Text made of the pieces contact details are made of, so that the properties meet the
/// interesting cases often.
fn pieces() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" ".to_string()),
        Just("-".to_string()),
        Just(".".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("+".to_string()),
        Just("@".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just(",".to_string()),
        Just("www".to_string()),
        Just("https://".to_string()),
        Just("example.org".to_string()),
        Just("[phone hidden]".to_string()),
        Just("é".to_string()),
        "[0-9]{1,5}",
        "[a-zA-Z]{1,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn masking_is_idempotent(text in pieces()) {
        let masker = Masker::new(&["example.org".to_string()]);
        let once = masker.mask(&text, LIMIT);
        let twice = masker.mask(&once.text, LIMIT);
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert_eq!(twice.counts, Counts::default());
    }

    #[test]
    fn masking_never_grows_past_the_limit(text in pieces(), limit in 1usize..200) {
        let text: String = text.chars().take(limit).collect();
        let masked = Masker::default().mask(&text, limit);
        prop_assert!(masked.text.chars().count() <= limit);
        let again = Masker::default().mask(&masked.text, limit);
        prop_assert_eq!(again.text, masked.text);
    }

    #[test]
    fn text_without_contact_details_is_untouched(text in "[a-z ,!?]{0,200}") {
        prop_assert_eq!(Masker::default().mask(&text, LIMIT).text, text);
    }
}
