//! Arbitrary text as an actor set (TOML, or `--actor 'id=a|b'` specs, one per
//! line), then matched against text: parsing must fail with an error, never
//! panic, and every mention must be a non-empty, in-bounds span on char
//! boundaries, in text order, without overlaps, naming an actor of the set.
//!
//! The first byte picks the form: even, the rest is a TOML actor set matched
//! against itself; odd, the lines up to the first empty one are inline specs
//! and the text after it is what they are matched against.
//!
//! Run: `cargo fuzz run actor_sets -- -jobs=1 -max_total_time=600`
//! (see fuzz/README.md).

#![no_main]

use libfuzzer_sys::fuzz_target;
use newsframe::actors::{ActorMatcher, ActorSet};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if selector % 2 == 0 {
        if let Ok(set) = ActorSet::from_toml_str(text, "fuzz.toml") {
            check_matches(&set, text);
        }
    } else {
        let (specs, article) = text.split_once("\n\n").unwrap_or((text, text));
        let mut set = ActorSet::empty("inline");
        for spec in specs.lines() {
            if set.add_inline(spec).is_ok() {
                assert!(set.actors.iter().any(|a| spec.contains(a.id.as_str())));
            }
        }
        check_matches(&set, article);
    }
});

fn check_matches(set: &ActorSet, text: &str) {
    let fingerprint = set.fingerprint();
    assert!(fingerprint.starts_with(&set.name), "{fingerprint}");
    let matcher = ActorMatcher::new(set);
    let mentions = matcher.find_in(text);
    let mut end = 0;
    for mention in &mentions {
        let span = mention.span;
        assert!(
            span.start < span.end && span.end <= text.len(),
            "span {span:?} outside {} bytes",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
            "span {span:?} splits a char in {text:?}"
        );
        assert!(span.start >= end, "mentions overlap or are out of order: {mentions:?}");
        end = span.end;
        assert!(mention.actor < set.actors.len(), "{mention:?}");
    }
}
