//! QR codes for invites: in China staff join things by scanning a code with
//! the phone camera, so an invite is shown (and printed) as one. The code is
//! drawn as one SVG path, so no image and no script is needed.

use qrcodegen::{QrCode, QrCodeEcc};

/// A QR code ready to draw: `size` modules a side, and an SVG path with one
/// unit square per dark module (draw it in a `0 0 size size` view box, with a
/// light margin of 4 modules around it for scanners).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrSvg {
    pub size: usize,
    pub path: String,
}

/// The QR code of `text` (medium error correction, enough for print and
/// screens), or `None` when the text is too long for any QR code.
pub fn qr_svg(text: &str) -> Option<QrSvg> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size() as usize;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x as i32, y as i32) {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    Some(QrSvg { size, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dark(qr: &QrSvg, x: usize, y: usize) -> bool {
        qr.path.contains(&format!("M{x} {y}h1v1h-1z"))
    }

    #[test]
    fn an_invite_link_becomes_a_small_code_with_its_finder_patterns() {
        let qr = qr_svg("https://bureau.example/join?code=ABCD2345EF").unwrap();
        assert!((21..=33).contains(&qr.size), "size {}", qr.size);
        // The three finder patterns: a dark 7×7 ring with a dark 3×3 centre.
        for (ox, oy) in [(0, 0), (qr.size - 7, 0), (0, qr.size - 7)] {
            for i in 0..7 {
                assert!(
                    dark(&qr, ox + i, oy) && dark(&qr, ox, oy + i),
                    "finder at {ox},{oy}"
                );
            }
            assert!(!dark(&qr, ox + 1, oy + 1), "light ring at {ox},{oy}");
            assert!(dark(&qr, ox + 3, oy + 3), "dark centre at {ox},{oy}");
        }
    }

    #[test]
    fn different_codes_draw_differently_and_too_long_text_is_refused() {
        let a = qr_svg("ABCD2345EF").unwrap();
        let b = qr_svg("ABCD2345EG").unwrap();
        assert_ne!(a.path, b.path);
        assert!(qr_svg(&"x".repeat(5000)).is_none());
    }
}
