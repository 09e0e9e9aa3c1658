//! Bytes to text: UTF-8 (with or without BOM), lossy on invalid bytes, refusing binaries.
//!
//! Policy: invalid UTF-8 is decoded lossily (U+FFFD for each bad sequence) with
//! a warning that names the file, because news archives often carry a stray
//! Latin-1 byte in otherwise good text. A file with NUL bytes, or one where
//! more than a tenth of the characters would be replacements, is a binary
//! file and is refused.

use crate::article::Origin;
use crate::input::InputError;

/// Decodes `bytes`, returning the text and any warnings (which do not repeat
/// the origin: they are attached to the article, which carries it).
pub fn decode(bytes: &[u8], origin: &Origin) -> Result<(String, Vec<String>), InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(InputError::new(
            origin.clone(),
            "binary file (contains NUL bytes): not an article",
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), Vec::new())),
        Err(_) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let replaced = text.chars().filter(|&c| c == '\u{FFFD}').count();
            let total = text.chars().count().max(1);
            if replaced * 10 > total {
                return Err(InputError::new(
                    origin.clone(),
                    format!(
                        "not UTF-8 text ({replaced} of {total} characters invalid): convert it to UTF-8 first"
                    ),
                ));
            }
            // The warning travels with the article, whose origin names the
            // file; whoever prints it puts the name in front.
            Ok((
                text,
                vec![format!(
                    "invalid UTF-8 decoded lossily ({replaced} invalid byte sequences replaced by U+FFFD)"
                )],
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_keeps_utf8() {
        let (text, warnings) = decode("\u{FEFF}Olá".as_bytes(), &Origin::file("a.txt")).unwrap();
        assert_eq!(text, "Olá");
        assert!(warnings.is_empty());
    }

    #[test]
    fn lossy_with_warning() {
        let (text, warnings) = decode(b"caf\xe9 con leche", &Origin::file("a.txt")).unwrap();
        assert_eq!(text, "caf\u{FFFD} con leche");
        assert!(warnings[0].contains("invalid UTF-8"));
    }

    #[test]
    fn refuses_binary() {
        let err = decode(b"\x7fELF\x00\x01", &Origin::file("a.bin")).unwrap_err();
        assert!(err.to_string().contains("binary"));
        let err = decode(&[0xff; 64], &Origin::file("b.txt")).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"));
    }
}
