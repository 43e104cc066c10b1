//! Uploaded files: what kinds an e-service accepts, told by their content
//! (magic bytes), never by their name, and how large they may be.

/// Largest file an e-service accepts.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The media type of a file, from its first bytes, if it is of a kind
/// e-services accept: PDF, PNG, JPEG, GIF or WebP.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    const KINDS: [(&[u8], usize, &str); 6] = [
        (b"%PDF-", 0, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
        (b"\xff\xd8\xff", 0, "image/jpeg"),
        (b"GIF87a", 0, "image/gif"),
        (b"GIF89a", 0, "image/gif"),
        (b"WEBP", 8, "image/webp"),
    ];
    KINDS
        .iter()
        .find(|(magic, at, _)| {
            content.get(*at..at + magic.len()) == Some(magic) && (*at == 0 || content.starts_with(b"RIFF"))
        })
        .map(|(_, _, kind)| *kind)
}

/// Why a file was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileProblem {
    TooLarge,
    /// Not one of the accepted kinds (whatever its name says).
    Kind,
    Empty,
}

impl FileProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Kind => "file_type",
            Self::Empty => "empty",
        }
    }
}

/// Checks an upload; its media type when accepted.
pub fn check_file(content: &[u8]) -> Result<&'static str, FileProblem> {
    if content.is_empty() {
        return Err(FileProblem::Empty);
    }
    if content.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    sniff(content).ok_or(FileProblem::Kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(check_file(b"%PDF-1.7\n..."), Ok("application/pdf"));
        assert_eq!(check_file(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(check_file(b"RIFF\0\0\0\0WEBPVP8 "), Ok("image/webp"));
        assert_eq!(check_file(b"MZ\x90\0 an .exe renamed to bild.jpg"), Err(FileProblem::Kind));
        assert_eq!(check_file(b"<svg onload=alert(1)>"), Err(FileProblem::Kind));
        assert_eq!(check_file(b""), Err(FileProblem::Empty));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert_eq!(check_file(&big), Err(FileProblem::TooLarge));
    }
}
