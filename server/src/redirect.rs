//! The one check for every redirect target taken from a request (issue 6 item 7):
//! only a path on this site. Browsers are lenient in ways that turn a "path" into
//! another host — `//evil`, `/\evil` (a backslash counts as a slash), a tab or a
//! newline inside `//` (stripped by the URL parser), or the same spelled with
//! percent escapes once something decodes it — so the rule is a narrow allow-list
//! rather than a list of known tricks.

/// Longest target accepted; our own paths are far shorter.
const MAX_LEN: usize = 512;

/// `candidate` if it is a same-origin absolute path: starts with a single `/`,
/// printable ASCII only, no backslash, and after percent-decoding still one
/// leading slash, no backslash and no control character.
pub fn same_origin_path(candidate: &str) -> Option<&str> {
    (candidate.len() <= MAX_LEN
        && is_plain_path(candidate)
        && is_single_slash_path(&percent_decoded(candidate)))
    .then_some(candidate)
}

/// `candidate` when it passes [`same_origin_path`], else `fallback`.
pub fn same_origin_or(candidate: &str, fallback: &str) -> String {
    same_origin_path(candidate).unwrap_or(fallback).to_owned()
}

fn is_plain_path(path: &str) -> bool {
    path.bytes().all(|b| b.is_ascii_graphic()) && is_single_slash_path(path)
}

/// What must hold once decoded too: one leading slash, no backslash, no control
/// character (decoded text may be non-ASCII: `%E4%B8%AD` is fine).
fn is_single_slash_path(path: &str) -> bool {
    path.starts_with('/')
        && !matches!(path.as_bytes().get(1), Some(b'/' | b'\\'))
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_control() || c == '\u{FFFD}')
}

/// Decodes `%XX` escapes repeatedly (so `%255C` is caught too), bytes that are
/// not UTF-8 becoming U+FFFD, which the path check refuses.
fn percent_decoded(text: &str) -> String {
    let mut current = text.to_owned();
    for _ in 0..3 {
        let next = percent_encoding::percent_decode_str(&current)
            .decode_utf8_lossy()
            .into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_paths_pass() {
        for ok in [
            "/h5",
            "/h5/camps/12",
            "/h5/orders/CAMP2026?x=1&y=%E4%B8%AD",
            "/admin/camps/3#top",
        ] {
            assert_eq!(same_origin_path(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn anything_a_browser_may_take_for_another_host_is_refused() {
        for bad in [
            "",
            "h5",
            "https://evil.example/x",
            "//evil.example",
            "/\\evil.example/x",
            "\\\\evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%2F/evil.example",
            "/%252F/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/h5\r\nSet-Cookie: x=1",
            "/h5/\u{0}",
            "/h5/中文",
            " /h5",
            "javascript:alert(1)",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
        }
        assert_eq!(same_origin_path(&format!("/{}", "a".repeat(600))), None);
        assert_eq!(same_origin_or("//evil", "/h5"), "/h5");
    }
}
