//! Hostile recordings, made from the fixtures by hand: a few kilobytes that claim or decode to
//! hours, timestamps that stand still while the audio runs on, a good header before garbage.

/// Noise that repeats from run to run.
pub fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        })
        .collect()
}

/// The first `keep` bytes of `good`, then garbage as long as the rest.
pub fn header_then_garbage(good: &[u8], keep: usize) -> Vec<u8> {
    let mut bytes = good[..keep.min(good.len())].to_vec();
    bytes.extend(garbage(good.len().saturating_sub(keep).max(16 * 1024)));
    bytes
}

/// The Ogg CRC-32 (polynomial 0x04C11DB7, unreflected, no final XOR).
fn ogg_crc(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |mut crc, byte| {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// An Ogg/Opus recording whose last page says it ends `hours` hours in: a few kilobytes that
/// a player takes for hours (the pages' checksums made right, so nothing looks damaged).
pub fn ogg_lasting_hours(ogg: &[u8], hours: u64) -> Vec<u8> {
    let mut bytes = ogg.to_vec();
    let mut pages = Vec::new();
    let mut at = 0;
    while at + 27 <= bytes.len() && &bytes[at..at + 4] == b"OggS" {
        let segments = usize::from(bytes[at + 26]);
        let body: usize = bytes[at + 27..at + 27 + segments]
            .iter()
            .map(|n| usize::from(*n))
            .sum();
        pages.push((at, 27 + segments + body));
        at += 27 + segments + body;
    }
    let &(last, len) = pages.last().expect("an Ogg page");
    let granule = hours * 3600 * 48_000;
    bytes[last + 6..last + 14].copy_from_slice(&granule.to_le_bytes());
    bytes[last + 22..last + 26].fill(0);
    let crc = ogg_crc(&bytes[last..last + len]);
    bytes[last + 22..last + 26].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// A recorder-style WebM whose timestamps stand still: every cluster starts at 0 and each
/// block is 1 ms after the one before, while the audio in them runs for as long as it did.
pub fn webm_with_stalled_clock(webm: &[u8]) -> Vec<u8> {
    let mut bytes = webm.to_vec();
    let mut block = 0i16;
    walk_ebml(webm, |id, body| match id {
        // Cluster timestamp.
        0xE7 => bytes[body.clone()].fill(0),
        // SimpleBlock: track number (one byte), then the timestamp relative to the cluster.
        0xA3 => {
            bytes[body.start + 1..body.start + 3].copy_from_slice(&block.to_be_bytes());
            block = block.saturating_add(1);
        }
        _ => {}
    });
    bytes
}

/// Whether a WebM file's segment information carries a duration.
pub fn webm_declares_duration(webm: &[u8]) -> bool {
    let mut found = false;
    walk_ebml(webm, |id, _| found |= id == 0x4489);
    found
}

/// Calls `visit` with each EBML element's id and body range, descending into the segment,
/// its information and its clusters (whose sizes a recorder leaves unknown).
fn walk_ebml(bytes: &[u8], mut visit: impl FnMut(u32, std::ops::Range<usize>)) {
    const MASTERS: [u32; 3] = [0x1853_8067, 0x1549_A966, 0x1F43_B675];
    let mut at = 0;
    while let Some((id, id_len)) = vint(bytes, at, true) {
        let Some((size, size_len)) = vint(bytes, at + id_len, false) else {
            return;
        };
        let body = at + id_len + size_len;
        let id = id as u32;
        if MASTERS.contains(&id) {
            at = body;
            continue;
        }
        let end = (body as u64).saturating_add(size).min(bytes.len() as u64) as usize;
        visit(id, body..end);
        at = end;
    }
}

/// An EBML variable-length integer at `at`: its value (with its length marker for an id) and
/// its length in bytes.
fn vint(bytes: &[u8], at: usize, keep_marker: bool) -> Option<(u64, usize)> {
    let first = *bytes.get(at)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || at + len > bytes.len() {
        return None;
    }
    let mut value = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & (0xFF >> len)
    };
    for byte in &bytes[at + 1..at + len] {
        value = (value << 8) | u64::from(*byte);
    }
    Some((value, len))
}
