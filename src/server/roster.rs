//! The `-- online` roster, kept rendered: the names in the room joined
//! with `, ` in roster order.
//!
//! A newcomer gets the whole roster, so building it from every member on
//! each join made a join cost one visit to every member (with 10,000
//! members, most of the room's time while clients connect). The room
//! updates this text on join, rename and leave instead, and a join costs
//! one copy. Names never hold `,` or a space, so entries split cleanly.
//!
//! The whole `-- online` line is rendered once per change of the roster
//! and shared (a `Bytes` clone) by every reply until the next change, so a
//! `/names` in a large room costs a reference, not a fresh copy.

use bytes::Bytes;

use crate::protocol::{Name, ServerLine};

/// The joined names (see the module doc).
#[derive(Debug, Default)]
pub struct Roster {
    joined: String,
    count: usize,
    /// `-- online (N): ...` for the names as they are now.
    rendered: Option<Bytes>,
}

impl Roster {
    /// The names, joined with `, `.
    #[cfg(test)]
    pub fn joined(&self) -> &str {
        &self.joined
    }

    /// The `-- online (N): ...` line, rendered once per change.
    pub fn online(&mut self) -> Bytes {
        let (count, joined) = (self.count, &self.joined);
        self.rendered
            .get_or_insert_with(|| ServerLine::online_bytes(count, joined))
            .clone()
    }

    /// Inserts `name` right after `after` (`None`: first).
    pub fn insert(&mut self, after: Option<&Name>, name: &Name) {
        self.rendered = None;
        self.count += 1;
        let at = after.and_then(|after| {
            self.find(after.as_str())
                .map(|at| at + after.as_str().len())
        });
        match at {
            Some(at) => self.joined.insert_str(at, &format!(", {name}")),
            None if self.joined.is_empty() => self.joined.push_str(name.as_str()),
            None => self.joined.insert_str(0, &format!("{name}, ")),
        }
    }

    /// Removes `name`, if present.
    pub fn remove(&mut self, name: &Name) {
        let name = name.as_str();
        let Some(at) = self.find(name) else { return };
        self.rendered = None;
        self.count -= 1;
        let end = at + name.len();
        if at > 0 {
            self.joined.replace_range(at - 2..end, "");
        } else if end < self.joined.len() {
            self.joined.replace_range(at..end + 2, "");
        } else {
            self.joined.clear();
        }
    }

    /// Byte offset of the entry that is exactly `name`.
    fn find(&self, name: &str) -> Option<usize> {
        let text = &self.joined;
        text.match_indices(name).map(|(at, _)| at).find(|&at| {
            let end = at + name.len();
            (at == 0 || text[..at].ends_with(", "))
                && (end == text.len() || text[end..].starts_with(','))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::parse(text).expect("valid name")
    }

    #[test]
    fn insert_and_remove_keep_the_order() {
        let mut roster = Roster::default();
        roster.insert(None, &name("bob"));
        roster.insert(None, &name("al"));
        roster.insert(Some(&name("bob")), &name("carol"));
        roster.insert(Some(&name("al")), &name("alice"));
        assert_eq!(roster.joined(), "al, alice, bob, carol");
        roster.remove(&name("al"));
        assert_eq!(roster.joined(), "alice, bob, carol");
        roster.remove(&name("bob"));
        assert_eq!(roster.joined(), "alice, carol");
        roster.remove(&name("carol"));
        roster.remove(&name("nobody"));
        assert_eq!(roster.joined(), "alice");
        roster.remove(&name("alice"));
        assert_eq!(roster.joined(), "");
    }

    #[test]
    fn a_name_inside_another_is_not_confused() {
        let mut roster = Roster::default();
        roster.insert(None, &name("bobby"));
        roster.insert(None, &name("ob"));
        roster.insert(Some(&name("bobby")), &name("bob"));
        assert_eq!(roster.joined(), "ob, bobby, bob");
        roster.remove(&name("bob"));
        assert_eq!(roster.joined(), "ob, bobby");
    }
}
