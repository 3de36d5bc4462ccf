//! A hand-made MP4/AAC "voice memo" of a few kilobytes whose sample table stands for hours:
//! one silent AAC frame repeated, chunk after overlapping chunk, so 4 KB list 7,000 s of
//! frames (what a player that trusts the table would decode).

/// The frames of an ADTS stream: (header, raw frame).
fn adts_frames(adts: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at + 7 <= adts.len() && adts[at] == 0xFF {
        let len = (usize::from(adts[at + 3] & 3) << 11)
            | (usize::from(adts[at + 4]) << 3)
            | usize::from(adts[at + 5] >> 5);
        let header = if adts[at + 1] & 1 == 1 { 7 } else { 9 };
        if len < header || at + len > adts.len() {
            break;
        }
        frames.push((&adts[at..at + header], &adts[at + header..at + len]));
        at += len;
    }
    frames
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((8 + body.len()) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn full_box(kind: &[u8; 4], flags: u32, body: &[u8]) -> Vec<u8> {
    mp4_box(kind, &[&flags.to_be_bytes()[..], body].concat())
}

fn be32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// `chunks` overlapping chunks of `per_chunk` frames each of the middle frame of `adts` (AAC
/// at 16 kHz): `chunks × per_chunk` frames of `delta` ticks (1024 is honest) in
/// `chunks + per_chunk` frames of bytes.
pub fn aac_lasting_hours(adts: &[u8], chunks: u32, per_chunk: u32, delta: u32) -> Vec<u8> {
    let frames = adts_frames(adts);
    let (header, frame) = frames[frames.len() / 2];
    let object = u16::from(header[2] >> 6) + 1;
    let rate_index = u16::from((header[2] >> 2) & 0xF);
    let channels = u16::from(((header[2] & 1) << 2) | (header[3] >> 6));
    let config = ((object << 11) | (rate_index << 7) | (channels << 3)).to_be_bytes();
    let total = u64::from(chunks) * u64::from(per_chunk) * u64::from(delta);
    let moov = |offset: u32| {
        moov(
            &config,
            frame.len() as u32,
            chunks,
            per_chunk,
            delta,
            total,
            offset,
        )
    };
    let ftyp = mp4_box(b"ftyp", b"M4A \0\0\0\0M4A isommp42");
    let offset = (ftyp.len() + moov(0).len() + 8) as u32;
    let data: Vec<u8> = (0..chunks + per_chunk)
        .flat_map(|_| frame.to_vec())
        .collect();
    [ftyp, moov(offset), mp4_box(b"mdat", &data)].concat()
}

fn moov(
    config: &[u8; 2],
    frame_len: u32,
    chunks: u32,
    per_chunk: u32,
    delta: u32,
    total: u64,
    offset: u32,
) -> Vec<u8> {
    let rate = 16_000u32;
    let matrix = be32(&[0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000]);
    let millis = (total * 1000 / u64::from(rate)) as u32;
    let mvhd = full_box(
        b"mvhd",
        0,
        &[
            &be32(&[0, 0, 1000, millis, 0x10000])[..],
            &[1, 0],
            &[0; 10],
            &matrix,
            &[0; 24],
            &be32(&[2]),
        ]
        .concat(),
    );
    let tkhd = full_box(
        b"tkhd",
        7,
        &[
            &be32(&[0, 0, 1, 0, millis, 0, 0])[..],
            &[0, 0, 0, 0, 1, 0, 0, 0],
            &matrix,
            &be32(&[0, 0]),
        ]
        .concat(),
    );
    let mdhd = full_box(
        b"mdhd",
        0,
        &[&be32(&[0, 0, rate, total as u32])[..], &[0x55, 0xC4, 0, 0]].concat(),
    );
    let hdlr = full_box(b"hdlr", 0, &[&be32(&[0])[..], b"soun", &[0; 13]].concat());
    let smhd = full_box(b"smhd", 0, &[0; 4]);
    let dinf = mp4_box(
        b"dinf",
        &full_box(
            b"dref",
            0,
            &[&be32(&[1])[..], &full_box(b"url ", 1, &[])].concat(),
        ),
    );
    let stsd = sample_description(config, rate);
    let stts = full_box(b"stts", 0, &be32(&[1, chunks * per_chunk, delta]));
    let stsc = full_box(b"stsc", 0, &be32(&[1, 1, per_chunk, 1]));
    let stsz = full_box(b"stsz", 0, &be32(&[frame_len, chunks * per_chunk]));
    let offsets: Vec<u32> = (0..chunks).map(|i| offset + i * frame_len).collect();
    let stco = full_box(
        b"stco",
        0,
        &[&be32(&[chunks])[..], &be32(&offsets)].concat(),
    );
    let stbl = mp4_box(b"stbl", &[stsd, stts, stsc, stsz, stco].concat());
    let minf = mp4_box(b"minf", &[smhd, dinf, stbl].concat());
    let mdia = mp4_box(b"mdia", &[mdhd, hdlr, minf].concat());
    let trak = mp4_box(b"trak", &[tkhd, mdia].concat());
    mp4_box(b"moov", &[mvhd, trak].concat())
}

/// `stsd` with one AAC sample entry (`mp4a` with its `esds` carrying `config`).
fn sample_description(config: &[u8; 2], rate: u32) -> Vec<u8> {
    let specific = [&[0x05, 2][..], config].concat();
    let decoder = [
        &[0x04, 13 + specific.len() as u8, 0x40, 0x15, 0, 0, 0][..],
        &be32(&[16_000, 16_000]),
        &specific,
    ]
    .concat();
    let es = [
        &[0x03, 3 + decoder.len() as u8 + 3, 0, 1, 0][..],
        &decoder,
        &[0x06, 1, 2],
    ]
    .concat();
    let mp4a = mp4_box(
        b"mp4a",
        &[
            &[0; 6][..],
            &[0, 1],
            &[0; 8],
            &[0, 1, 0, 16, 0, 0, 0, 0],
            &be32(&[rate << 16]),
            &full_box(b"esds", 0, &es),
        ]
        .concat(),
    );
    full_box(b"stsd", 0, &[&be32(&[1])[..], &mp4a].concat())
}
