//! Thumbnails: an image decoded within fixed limits, turned upright as its EXIF orientation
//! says, and re-encoded at most 320 px on its longer side. Re-encoding writes pixels only, so
//! nothing of the original's metadata (EXIF, GPS position, camera, comments) reaches the
//! thumbnail.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Longest side of a thumbnail, in pixels.
pub const MAX_SIDE: u32 = 320;
/// Largest image decoded: 50 megapixels at 4 bytes each, so a small file that unpacks into
/// a huge picture (a decompression bomb) is refused instead of exhausting memory.
const MAX_PIXELS: u64 = 50_000_000;

/// A made thumbnail and the original's size as it is shown (upright: a phone's portrait photo,
/// stored sideways with an orientation tag, is reported and thumbnailed as portrait, the way
/// browsers show the original).
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
    let decode_error = |err| match err {
        image::ImageError::Limits(_) => ThumbError::TooLarge,
        _ => ThumbError::Invalid,
    };
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|_| ThumbError::Invalid)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ThumbError::TooLarge);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
    decoder.set_limits(limits).map_err(decode_error)?;
    // A broken or missing tag is no reason to refuse the picture: it is shown as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
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
        DynamicImage::ImageRgb8(small.to_rgb8())
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

    /// A JPEG whose left half is red and right half blue, tagged with EXIF orientation `tag`.
    fn jpeg_tagged(width: u32, height: u32, tag: u8) -> Vec<u8> {
        use image::ImageEncoder;
        let img = image::RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                image::Rgb([220, 0, 0])
            } else {
                image::Rgb([0, 0, 220])
            }
        });
        // A little-endian TIFF header and one IFD holding Orientation (0x0112, SHORT).
        let mut exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        exif.extend_from_slice(&[tag, 0, 0, 0, 0, 0, 0, 0]);
        let mut out = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
        encoder.set_exif_metadata(exif).expect("exif");
        encoder
            .write_image(&img, width, height, image::ExtendedColorType::Rgb8)
            .expect("encode");
        out
    }

    #[test]
    fn a_sideways_photo_is_turned_upright() {
        // Orientation 6: the stored picture must be turned 90° clockwise to be shown, so its
        // left (red) half ends up on top.
        let thumb = make(&jpeg_tagged(640, 320, 6), "image/jpeg").expect("thumbnail");
        assert_eq!((thumb.width, thumb.height), (320, 640));
        let small = image::load_from_memory(&thumb.bytes)
            .expect("decodes")
            .to_rgb8();
        assert_eq!((small.width(), small.height()), (160, 320));
        let top = small.get_pixel(80, 40);
        let bottom = small.get_pixel(80, 280);
        assert!(top[0] > 150 && top[2] < 80, "top is red: {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 80,
            "bottom is blue: {bottom:?}"
        );
    }

    #[test]
    fn an_untagged_photo_keeps_its_shape() {
        let thumb = make(&jpeg_tagged(640, 320, 1), "image/jpeg").expect("thumbnail");
        assert_eq!((thumb.width, thumb.height), (640, 320));
        let small = image::load_from_memory(&thumb.bytes)
            .expect("decodes")
            .to_rgb8();
        assert_eq!((small.width(), small.height()), (320, 160));
        let left = small.get_pixel(40, 80);
        assert!(left[0] > 150 && left[2] < 80, "left is red: {left:?}");
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
