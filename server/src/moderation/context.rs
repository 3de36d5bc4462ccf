//! What the words before a number say it is: introduced as a phone (`My mobile:`, `Handy`,
//! `appelle-moi au`) or as a booking reference (`booking ref`, `Buchungsnummer`,
//! `n° de réservation`), in the platform's languages (English, German, French, Spanish,
//! Italian, Dutch, Portuguese), and whether a bare run of digits is a mobile number by
//! libphonenumber's data.

/// Words that introduce a phone number: a word equal to one, or starting with one of
/// [`PHONE_STEMS`]. Matched on folded, lower-cased text (`téléphone` reads `telephone`).
const PHONE_WORDS: &[&str] = &[
    "tel", "tlf", "tfn", "mob", "cell", "cel", "call", "calling", "ring", "sms", "text", "fax",
    "handy", "ruf", "bel", "gsm", "wa", "signal", "viber", "telegram",
];

/// Stems of words that introduce a phone number (`telefon`, `telephone`, `mobile`, `mobil`,
/// `mobiel`, `cellulare`, `whatsapp`, `anrufen`, `chiamami`, `llamame`, `appelle`, `portable`).
const PHONE_STEMS: &[&str] = &[
    "phone",
    "telef",
    "telep",
    "mobil",
    "mobie",
    "movil",
    "cellul",
    "celular",
    "whatsap",
    "anruf",
    "chiam",
    "llam",
    "appel",
    "portabl",
    "contact",
    "kontakt",
    "reach",
    "durchwahl",
];

/// Words that introduce a booking, order or invoice reference.
const BOOKING_WORDS: &[&str] = &[
    "ref",
    "res",
    "conf",
    "pnr",
    "rif",
    "inv",
    "id",
    "auftragsnr",
    "bnr",
];

/// Stems of such words (`booking`, `Buchungsnummer`, `réservation`, `reserva`, `prenotazione`,
/// `boekingsnummer`, `confirmation`, `Bestätigung`, `invoice`, `Rechnung`, `factura`, `order`,
/// `commande`, `pedido`, `ordine`, `Bestellung`, `reference`, `riferimento`, `localizador`).
const BOOKING_STEMS: &[&str] = &[
    "book",
    "buchung",
    "boek",
    "reserv",
    "rezerw",
    "prenot",
    "confirmation",
    "confirmacion",
    "confirmacao",
    "conferma",
    "bestatig",
    "bevestig",
    "invoice",
    "factur",
    "factuu",
    "fattur",
    "rechnung",
    "order",
    "ordine",
    "orden",
    "bestell",
    "pedido",
    "commande",
    "encomenda",
    "voucher",
    "dossier",
    "localiz",
    "auftrag",
    "referen",
    "riferim",
    "vorgang",
    "ticket",
    "buchungs",
    "stornonummer",
];

/// How many words back the introduction may stand (`booking ref is n° 4821…`).
const REACH: usize = 5;

/// What the words before a number call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intro {
    Phone,
    Booking,
    None,
}

/// The last few words of `before`'s line, nearest first, lower-cased.
fn last_words(before: &str) -> impl Iterator<Item = String> + '_ {
    let line = before.rsplit('\n').next().unwrap_or(before);
    line.rsplit(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(REACH)
        .map(str::to_lowercase)
}

/// Whether `word` (lower-cased) is one of `list` or starts with one of `stems`.
fn is_one_of(word: &str, list: &[&str], stems: &[&str]) -> bool {
    list.contains(&word) || stems.iter().any(|s| word.starts_with(s))
}

/// The nearest introduction among the last few words of `before` (folded text).
pub fn intro(before: &str) -> Intro {
    for word in last_words(before) {
        if is_one_of(&word, PHONE_WORDS, PHONE_STEMS) {
            return Intro::Phone;
        }
        if is_one_of(&word, BOOKING_WORDS, BOOKING_STEMS) {
            return Intro::Booking;
        }
    }
    Intro::None
}

/// Words that may stand between a booking word and its reference (`Booking no. …`,
/// `Buchungsnummer lautet …`, `n° de réservation est …`): nouns of a number and linking words.
const LINKING_WORDS: &[&str] = &[
    "no", "nr", "nro", "num", "number", "nummer", "numero", "n", "ref", "id", "code", "is", "ist",
    "est", "es", "e", "lautet", "de", "of", "the", "my", "our", "your", "la", "le", "el", "il",
    "der", "die", "das", "votre", "mon", "ma", "su",
];

/// Whether a booking word introduces the number directly: only [`LINKING_WORDS`] stand
/// between them (`Booking no. 0151 …` yes; `Booking confirmed. 0151 …` no).
pub fn booking_directly(before: &str) -> bool {
    for word in last_words(before) {
        if is_one_of(&word, BOOKING_WORDS, BOOKING_STEMS) {
            return true;
        }
        if !LINKING_WORDS.contains(&word.as_str()) {
            return false;
        }
    }
    false
}

/// Regions whose mobile numbers guests write without spaces after a trunk `0`.
const REGIONS: [phonenumber::country::Id; 7] = {
    use phonenumber::country::Id;
    [Id::DE, Id::GB, Id::FR, Id::NL, Id::AT, Id::CH, Id::BE]
};

/// Whether a run of digits such as `07781224593` is a mobile number of one of [`REGIONS`]
/// (libphonenumber's data: a booking number rarely is one).
pub fn is_bare_mobile(digits: &str) -> bool {
    if !digits.starts_with('0') || digits.starts_with("00") || !(10..=12).contains(&digits.len()) {
        return false;
    }
    REGIONS.iter().any(|region| {
        phonenumber::parse(Some(*region), digits).is_ok_and(|n| {
            n.is_valid()
                && matches!(
                    n.number_type(&phonenumber::metadata::DATABASE),
                    phonenumber::Type::Mobile
                )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_introduction_decides() {
        assert_eq!(intro("Our booking ref is "), Intro::Booking);
        assert_eq!(intro("Buchungsnummer: "), Intro::Booking);
        assert_eq!(intro("n° de reservation "), Intro::Booking);
        assert_eq!(intro("My mobile: "), Intro::Phone);
        assert_eq!(intro("booking confirmed, call me on "), Intro::Phone);
        assert_eq!(intro("we arrive at 6, see you "), Intro::None);
    }

    #[test]
    fn a_booking_word_introduces_a_number_directly_only_through_linking_words() {
        assert!(booking_directly("Booking no. "));
        assert!(booking_directly("Our booking ref is "));
        assert!(booking_directly("Buchungsnummer lautet "));
        assert!(!booking_directly("Booking confirmed. "));
        assert!(!booking_directly("booking done, here "));
    }

    #[test]
    fn bare_mobiles_are_known_by_their_region() {
        assert!(is_bare_mobile("07781224593"));
        assert!(is_bare_mobile("015144829031"));
        assert!(!is_bare_mobile("1234567890"));
        assert!(
            !is_bare_mobile("0301234567"),
            "a landline needs an introduction"
        );
    }
}
