//! Newsroom figures: an uploaded picture is taken only for what its bytes are (JPEG, PNG, WebP
//! or GIF, never its name or the type the browser claimed), its size is read from its header
//! and refused before any pixel is decoded when it is too large (so a decompression bomb costs
//! nothing), then it is decoded, turned upright (EXIF orientation), and written anew at a few
//! widths. Nothing of the uploaded file survives but its pixels: EXIF (GPS position, camera,
//! owner), XMP, ICC profiles, comments and every GIF frame after the first are left behind.
//!
//! Each file is named by the hash of its bytes, so it never changes once written and browsers
//! may keep it for a year (`routes::media`).

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// Largest upload accepted, in bytes.
pub const UPLOAD_MAX_BYTES: usize = crate::model::FIGURE_UPLOAD_MAX_BYTES;

/// Largest picture accepted, in pixels (width times height).
pub const MAX_PIXELS: u64 = 40_000_000;

/// Longest side accepted, in pixels: a 40-megapixel picture of any sensible shape fits.
const MAX_SIDE: u32 = 20_000;

/// Smallest side accepted: anything smaller is an icon, not a news picture.
pub const MIN_SIDE: u32 = 100;

/// The widths written (each only when narrower than the picture). The article column is at
/// most 680 CSS pixels wide: 480 and 960 serve phones and desktops, 1600 sharp screens.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];

/// Memory the decoder may take for one picture: 40 megapixels of 16-bit RGBA, with room.
const MAX_ALLOC: u64 = 400 * 1024 * 1024;

const JPEG_QUALITY: u8 = 82;

/// One written file of a figure.
#[derive(Clone, Debug)]
pub struct Variant {
    /// `HASH.jpg` or `HASH.png`: the first 32 hex digits of the SHA-256 of `bytes`.
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why an upload was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    /// Not a JPEG, PNG, WebP or GIF by its content, whatever its name says.
    NotAnImage,
    TooManyPixels {
        width: u32,
        height: u32,
    },
    TooSmall {
        width: u32,
        height: u32,
    },
    /// A picture of an accepted kind that does not decode: truncated, damaged, or lying in
    /// its header.
    Damaged,
}

impl Refused {
    /// What the editor is told, in Chinese.
    pub fn message(&self) -> String {
        match self {
            Refused::Empty => "请选择要上传的图片".to_owned(),
            Refused::TooLarge => format!("图片文件太大：最大 {} MB", UPLOAD_MAX_BYTES / (1024 * 1024)),
            Refused::NotAnImage => {
                "这个文件不是图片：只接受 JPEG、PNG、WebP 和 GIF（按文件内容判断，不看文件名）".to_owned()
            }
            Refused::TooManyPixels { width, height } => {
                format!("图片太大：{width}×{height} 像素，最多 {} 万像素、每边 {MAX_SIDE} 像素", MAX_PIXELS / 10_000)
            }
            Refused::TooSmall { width, height } => {
                format!("图片太小：{width}×{height} 像素，每边至少 {MIN_SIDE} 像素")
            }
            Refused::Damaged => "图片已损坏或不完整，无法读取，请重新导出后再上传".to_owned(),
        }
    }
}

/// The files of one uploaded picture, narrowest first; the last is the largest (at most
/// `WIDTHS`' last, never wider than the upload).
pub fn process(bytes: &[u8]) -> Result<Vec<Variant>, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > UPLOAD_MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| Refused::NotAnImage)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) {
        return Err(Refused::NotAnImage);
    }
    if reader.format() == Some(ImageFormat::Jpeg) && truncated_jpeg(bytes) {
        return Err(Refused::Damaged);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    // The header alone: its size is judged before anything is decoded.
    let mut decoder = reader.into_decoder().map_err(|e| header_refusal(&e, bytes))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refused::TooManyPixels { width, height });
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(Refused::TooSmall { width, height });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| Refused::Damaged)?;
    picture.apply_orientation(orientation);
    Ok(variants(&picture))
}

/// Pictures decoded at once in this process: a 40-megapixel picture takes a few hundred MB
/// while it is worked on, and a CPU; more uploads wait their turn.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// `process`, on a blocking thread, one picture at a time in this process.
pub async fn process_in_turn(bytes: Vec<u8>) -> Result<Result<Vec<Variant>, Refused>, tokio::task::JoinError> {
    let _turn = DECODING.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || process(&bytes)).await
}

/// What a header the decoder would not take means for the editor.
fn header_refusal(error: &image::ImageError, bytes: &[u8]) -> Refused {
    match error {
        image::ImageError::Limits(_) => {
            // The decoder refused the declared size itself: say which, when the header says.
            match image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok().and_then(|r| {
                let mut r = r;
                r.no_limits();
                r.into_dimensions().ok()
            }) {
                Some((width, height)) => Refused::TooManyPixels { width, height },
                None => Refused::Damaged,
            }
        }
        _ => Refused::Damaged,
    }
}

/// A JPEG whose data stops before its end-of-image marker. The JPEG decoder fills what is
/// missing with grey rather than failing, which would publish half a picture.
fn truncated_jpeg(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    // Cameras and editors may append data after the picture; the marker is near the end.
    let tail = &bytes[bytes.len().saturating_sub(64 * 1024)..];
    !tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// The widths written for a picture `width` wide: the largest (`WIDTHS`' last, or the picture's
/// own width when narrower), and each smaller one of `WIDTHS` that is clearly smaller than it.
pub fn widths(width: u32) -> Vec<u32> {
    let top = width.min(WIDTHS[WIDTHS.len() - 1]);
    let mut out: Vec<u32> = WIDTHS.iter().copied().filter(|w| u64::from(*w) * 10 < u64::from(top) * 9).collect();
    out.push(top);
    out
}

fn variants(picture: &DynamicImage) -> Vec<Variant> {
    use image::imageops::FilterType;
    let opaque = !picture.color().has_alpha() || picture.to_rgba8().pixels().all(|p| p.0[3] == 255);
    let (w, h) = (picture.width(), picture.height());
    let sizes = widths(w);
    // The largest first, from the upload; each smaller one from the one above it (far fewer
    // pixels to read, and no visible difference).
    let mut out = Vec::with_capacity(sizes.len());
    let mut source = picture.clone();
    for &target in sizes.iter().rev() {
        let target_h = ((u64::from(h) * u64::from(target) + u64::from(w) / 2) / u64::from(w)).max(1) as u32;
        if target != source.width() {
            source = source.resize_exact(target, target_h, FilterType::CatmullRom);
        }
        out.push(encode(&source, opaque));
    }
    out.reverse();
    out
}

fn encode(picture: &DynamicImage, opaque: bool) -> Variant {
    let mut bytes = Vec::new();
    let content_type = if opaque {
        let rgb = picture.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .encode_image(&rgb)
            .expect("encoding to memory does not fail");
        "image/jpeg"
    } else {
        let rgba = picture.to_rgba8();
        rgba.write_with_encoder(image::codecs::png::PngEncoder::new(&mut bytes))
            .expect("encoding to memory does not fail");
        "image/png"
    };
    let hex = hash_name(&bytes);
    let ext = if opaque { "jpg" } else { "png" };
    Variant { name: format!("{hex}.{ext}"), content_type, width: picture.width(), height: picture.height(), bytes }
}

/// The 32 hex digits a file is named by: the start of the SHA-256 of its bytes.
pub fn hash_name(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Whether `name` could be a file `process` wrote: 32 lowercase hex digits and `.jpg`/`.png`.
pub fn is_media_name(name: &str) -> bool {
    let Some((hash, ext)) = name.split_once('.') else { return false };
    hash.len() == 32
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && (ext == "jpg" || ext == "png")
}

/// The `srcset` of a figure's files.
pub fn srcset(variants: &[Variant]) -> String {
    variants.iter().map(|v| format!("/media/{} {}w", v.name, v.width)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    /// A photo-like picture: gradients and texture, so JPEG has something to keep.
    fn photo(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, ((x ^ y) & 0xff) as u8]))
    }

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(img).unwrap();
        out
    }

    fn png(img: &RgbaImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)).unwrap();
        out
    }

    /// An EXIF APP1 segment: orientation `orientation`, and a GPS block holding a latitude
    /// whose bytes (`GPS_MARK`) can be looked for in the output.
    const GPS_MARK: &[u8] = b"JINRI-GPS-31.2304N";
    fn exif(orientation: u16) -> Vec<u8> {
        // Little-endian TIFF: IFD0 with Orientation and a GPS IFD pointer; the GPS IFD with one
        // ASCII entry pointing at the mark.
        let mut t = Vec::new();
        t.extend_from_slice(b"II*\0");
        t.extend_from_slice(&8u32.to_le_bytes());
        // IFD0 at 8: 2 entries.
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        t.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&(u32::from(orientation)).to_le_bytes());
        t.extend_from_slice(&0x8825u16.to_le_bytes()); // GPS IFD pointer
        t.extend_from_slice(&4u16.to_le_bytes()); // LONG
        t.extend_from_slice(&1u32.to_le_bytes());
        let gps_at = 8 + 2 + 2 * 12 + 4;
        t.extend_from_slice(&(gps_at as u32).to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
                                                  // GPS IFD: one entry, GPSLatitudeRef-like ASCII pointing at the mark.
        t.extend_from_slice(&1u16.to_le_bytes());
        t.extend_from_slice(&0x0001u16.to_le_bytes());
        t.extend_from_slice(&2u16.to_le_bytes()); // ASCII
        t.extend_from_slice(&(GPS_MARK.len() as u32).to_le_bytes());
        let mark_at = gps_at + 2 + 12 + 4;
        t.extend_from_slice(&(mark_at as u32).to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(GPS_MARK);
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((t.len() + 8) as u16).to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&t);
        seg
    }

    fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&exif(orientation));
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn a_photo_is_written_anew_at_each_width_under_its_content_hash() {
        let files = process(&jpeg(&photo(2000, 1500))).unwrap();
        assert_eq!(
            files.iter().map(|v| (v.width, v.height)).collect::<Vec<_>>(),
            [(480, 360), (960, 720), (1600, 1200)]
        );
        for v in &files {
            assert_eq!(v.content_type, "image/jpeg");
            assert!(is_media_name(&v.name), "{}", v.name);
            assert!(v.name.ends_with(".jpg"));
            let hex: String = Sha256::digest(&v.bytes).iter().take(16).map(|b| format!("{b:02x}")).collect();
            assert_eq!(v.name, format!("{hex}.jpg"));
            // Each file is a picture of the size it says.
            let back = image::load_from_memory(&v.bytes).unwrap();
            assert_eq!((back.width(), back.height()), (v.width, v.height));
        }
        assert_eq!(srcset(&files[..1]), format!("/media/{} 480w", files[0].name));
    }

    #[test]
    fn a_narrow_picture_is_never_enlarged_and_widths_close_to_it_are_skipped() {
        assert_eq!(widths(4000), [480, 960, 1600]);
        assert_eq!(widths(1000), [480, 1000]);
        assert_eq!(widths(1100), [480, 960, 1100]);
        assert_eq!(widths(500), [500]);
        assert_eq!(widths(300), [300]);
        let files = process(&jpeg(&photo(700, 300))).unwrap();
        assert_eq!(files.iter().map(|v| v.width).collect::<Vec<_>>(), [480, 700]);
    }

    #[test]
    fn gps_and_every_other_exif_field_are_gone_and_the_picture_is_turned_upright() {
        let upload = with_exif(&jpeg(&photo(800, 400)), 6);
        // The upload really carries the mark, and the decoder sees the orientation.
        assert!(upload.windows(GPS_MARK.len()).any(|w| w == GPS_MARK));
        let files = process(&upload).unwrap();
        for v in &files {
            assert!(!v.bytes.windows(GPS_MARK.len()).any(|w| w == GPS_MARK), "GPS kept in {}", v.name);
            assert!(!v.bytes.windows(4).any(|w| w == b"Exif"), "EXIF kept in {}", v.name);
        }
        // Orientation 6: the camera was turned; the picture stands upright now.
        let top = files.last().unwrap();
        assert_eq!((top.width, top.height), (400, 800));
    }

    #[test]
    fn png_webp_and_gif_are_taken_and_transparency_stays_png() {
        let clear = RgbaImage::from_fn(300, 200, |x, _| Rgba([200, 10, 10, if x < 150 { 0 } else { 255 }]));
        let files = process(&png(&clear)).unwrap();
        assert!(files.iter().all(|v| v.content_type == "image/png" && v.name.ends_with(".png")));
        let back = image::load_from_memory(&files[0].bytes).unwrap().to_rgba8();
        assert_eq!(back.get_pixel(10, 10).0[3], 0);
        // An opaque PNG becomes a JPEG.
        let solid = RgbaImage::from_fn(300, 200, |x, y| Rgba([x as u8, y as u8, 0, 255]));
        assert_eq!(process(&png(&solid)).unwrap()[0].content_type, "image/jpeg");
        for format in [ImageFormat::WebP, ImageFormat::Gif] {
            let mut bytes = Vec::new();
            DynamicImage::ImageRgba8(solid.clone()).write_to(&mut Cursor::new(&mut bytes), format).unwrap();
            let files = process(&bytes).unwrap_or_else(|e| panic!("{format:?}: {e:?}"));
            assert_eq!((files[0].width, files[0].height), (300, 200), "{format:?}");
        }
    }

    #[test]
    fn files_that_are_not_pictures_are_refused_whatever_their_name() {
        for bytes in [
            &b"#!/bin/sh\nrm -rf /\n"[..],
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"<!DOCTYPE html><script>alert(1)</script>",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
            b"BM\x3e\0\0\0\0\0\0\0\x3e\0\0\0",
            b"GIF87",
        ] {
            let got = process(bytes);
            assert!(matches!(got, Err(Refused::NotAnImage | Refused::Damaged)), "{:?}", String::from_utf8_lossy(bytes));
        }
        assert_eq!(process(b"").unwrap_err(), Refused::Empty);
        assert_eq!(process(&vec![0xFF; UPLOAD_MAX_BYTES + 1]).unwrap_err(), Refused::TooLarge);
    }

    #[test]
    fn a_truncated_or_damaged_picture_is_refused() {
        let whole = jpeg(&photo(640, 480));
        for cut in [whole.len() / 2, whole.len() - 200, 600] {
            assert_eq!(process(&whole[..cut]).unwrap_err(), Refused::Damaged, "JPEG cut at {cut}");
        }
        let whole = png(&RgbaImage::from_fn(640, 480, |x, y| Rgba([x as u8, y as u8, 7, 128])));
        assert_eq!(process(&whole[..whole.len() / 2]).unwrap_err(), Refused::Damaged);
        // The right signature and garbage after it.
        let mut lying = b"\x89PNG\r\n\x1a\n".to_vec();
        lying.extend_from_slice(&[0x55; 4096]);
        assert_eq!(process(&lying).unwrap_err(), Refused::Damaged);
    }

    /// A PNG whose header declares `w`×`h` pixels, followed by a few bytes of deflate data that
    /// would inflate to gigabytes.
    fn png_bomb(w: u32, h: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32(&out[start..]);
            out.extend_from_slice(&crc.to_be_bytes());
        }
        fn crc32(bytes: &[u8]) -> u32 {
            let mut c = !0u32;
            for &b in bytes {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                }
            }
            !c
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
        chunk(&mut out, b"IHDR", &ihdr);
        // zlib header, then a deflate stream of repeated zeros (fixed Huffman, long matches).
        chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00]);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header_before_anything_is_decoded() {
        // 100,000 × 100,000: 40 GB of pixels, declared in a file of under 100 bytes.
        let bomb = png_bomb(100_000, 100_000);
        assert!(bomb.len() < 100);
        assert_eq!(process(&bomb).unwrap_err(), Refused::TooManyPixels { width: 100_000, height: 100_000 });
        // Within each side's limit, over the pixel count.
        assert_eq!(
            process(&png_bomb(8_000, 6_000)).unwrap_err(),
            Refused::TooManyPixels { width: 8_000, height: 6_000 }
        );
        // A GIF declaring a 65,535 × 65,535 screen.
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00]);
        gif.extend_from_slice(&[0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]);
        assert!(matches!(process(&gif).unwrap_err(), Refused::TooManyPixels { .. } | Refused::Damaged));
        assert!(!Refused::TooManyPixels { width: 1, height: 1 }.message().is_empty());
    }

    #[test]
    fn a_tiny_picture_is_refused() {
        assert_eq!(process(&jpeg(&photo(50, 400))).unwrap_err(), Refused::TooSmall { width: 50, height: 400 });
    }

    #[test]
    fn only_names_this_module_writes_are_media_names() {
        assert!(is_media_name("0123456789abcdef0123456789abcdef.jpg"));
        assert!(is_media_name("0123456789abcdef0123456789abcdef.png"));
        for bad in [
            "0123456789abcdef0123456789abcdef.svg",
            "0123456789ABCDEF0123456789abcdef.jpg",
            "0123456789abcdef0123456789abcde.jpg",
            "../etc/passwd",
            "0123456789abcdef0123456789abcdef.jpg.png",
            "",
        ] {
            assert!(!is_media_name(bad), "{bad}");
        }
    }
}
