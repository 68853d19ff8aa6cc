//! Local image files as the data URLs models take.

use std::io::Read;
use std::path::Path;

use base64::Engine;

/// Images larger than this are refused rather than sent (providers reject them anyway).
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

/// The file at `path` as a `data:` URL with its MIME type, or why it cannot be one.
pub fn local_image_url(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read image {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot read image {shown}: not a regular file"));
    }
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "image {shown} is {} bytes; images over {} MiB are not sent",
            meta.len(),
            MAX_IMAGE_BYTES / (1024 * 1024)
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_IMAGE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read image {shown}: {e}"))?;
    let mime = sniff_mime(&bytes).ok_or_else(|| {
        format!("{shown} is not an image this agent can send (PNG, JPEG, GIF or WebP)")
    })?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    ))
}

/// The MIME type from the file's first bytes (extensions lie).
fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_becomes_a_data_url_and_text_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\nrest").unwrap();
        let url = local_image_url(&png).unwrap();
        assert_eq!(url, "data:image/png;base64,iVBORw0KGgpyZXN0");
        let txt = dir.path().join("a.jpg");
        std::fs::write(&txt, b"not really").unwrap();
        assert!(local_image_url(&txt).unwrap_err().contains("not an image"));
        let missing = local_image_url(&dir.path().join("nope.png")).unwrap_err();
        assert!(missing.starts_with("cannot read image"), "{missing}");
    }

    #[test]
    fn webp_gif_jpeg_are_known() {
        assert_eq!(sniff_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
    }
}
