//! Thumbnails: an image decoded within fixed limits and re-encoded at most 320 px on its
//! longer side. Re-encoding writes pixels only, so nothing of the original's metadata (EXIF,
//! GPS position, camera, comments) reaches the thumbnail.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// Longest side of a thumbnail, in pixels.
pub const MAX_SIDE: u32 = 320;
/// Largest image decoded: 50 megapixels at 4 bytes each, so a small file that unpacks into
/// a huge picture (a decompression bomb) is refused instead of exhausting memory.
const MAX_PIXELS: u64 = 50_000_000;

/// A made thumbnail and the original's size.
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// Why an image could not be thumbnailed (the upload is refused with this).
#[derive(Debug)]
pub enum ThumbError {
    /// Not a readable image of its detected type.
    Invalid,
    /// Larger than we decode.
    TooLarge,
}

/// JPEG originals get JPEG thumbnails; PNG, GIF (first frame) and WebP get PNG, which keeps
/// transparency.
pub fn make(bytes: &[u8], content_type: &str) -> Result<Thumbnail, ThumbError> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        _ => return Err(ThumbError::Invalid),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| ThumbError::Invalid)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ThumbError::TooLarge);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|err| match err {
        image::ImageError::Limits(_) => ThumbError::TooLarge,
        _ => ThumbError::Invalid,
    })?;
    let small = if width.max(height) > MAX_SIDE {
        image.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        image
    };
    // The type `AttachmentRecord::thumbnail_type` names.
    let out_format = if format == ImageFormat::Jpeg {
        ImageFormat::Jpeg
    } else {
        ImageFormat::Png
    };
    // JPEG has no alpha channel.
    let small = if out_format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(small.to_rgb8())
    } else {
        small
    };
    let mut out = Cursor::new(Vec::new());
    small
        .write_to(&mut out, out_format)
        .map_err(|_| ThumbError::Invalid)?;
    Ok(Thumbnail {
        width,
        height,
        bytes: out.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 10, 10, 255]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut out, ImageFormat::Png)
            .expect("encode");
        out.into_inner()
    }

    #[test]
    fn a_large_image_shrinks_to_320_on_its_longer_side() {
        let thumb = make(&png(1000, 500), "image/png").expect("thumbnail");
        assert_eq!((thumb.width, thumb.height), (1000, 500));
        let small = image::load_from_memory(&thumb.bytes).expect("decodes");
        assert_eq!((small.width(), small.height()), (320, 160));
    }

    #[test]
    fn a_broken_image_is_invalid() {
        let mut bytes = png(10, 10);
        bytes.truncate(40);
        assert!(matches!(
            make(&bytes, "image/png"),
            Err(ThumbError::Invalid)
        ));
    }
}
