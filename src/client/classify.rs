//! How the client sees each scrollback line: which kind it is, whether it is
//! our own, whether it mentions us. Built on `ServerLine::parse`; this only
//! adds the "who am I" view.

use crate::protocol::{Name, NameKey, ServerLine};

use super::app::Body;

/// The kinds of line a person tells apart at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `NAME: TEXT`
    Message { own: bool, mention: bool },
    /// `* NAME TEXT`
    Action { own: bool, mention: bool },
    /// A private message to us.
    PrivateIn,
    /// A private message we sent.
    PrivateOut,
    /// `-- TEXT`
    Notice,
    /// `! TEXT`
    Error,
    /// A line that fits no rule.
    Unknown,
    /// A note from the client itself.
    Note,
}

impl Kind {
    /// Whether the line should get a person's attention (mention or
    /// private message from someone else).
    pub fn wants_attention(self) -> bool {
        matches!(
            self,
            Kind::Message {
                own: false,
                mention: true
            } | Kind::Action {
                own: false,
                mention: true
            } | Kind::PrivateIn
        )
    }

    pub fn is_own(self) -> bool {
        matches!(
            self,
            Kind::Message { own: true, .. } | Kind::Action { own: true, .. } | Kind::PrivateOut
        )
    }

    pub fn is_mention(self) -> bool {
        matches!(
            self,
            Kind::Message { mention: true, .. } | Kind::Action { mention: true, .. }
        )
    }
}

/// Who "me" is, worked out once per use rather than once per line: the
/// own name's uniqueness key and its lower-case form for mentions.
#[derive(Clone, Debug)]
pub struct Me {
    key: Option<NameKey>,
    lower: String,
}

impl Me {
    pub fn new(name: &str) -> Me {
        Me {
            key: Name::parse(name).ok().map(|name| name.key()),
            lower: name.to_lowercase(),
        }
    }

    /// Whether `name` is me under the protocol's uniqueness rule.
    pub fn is(&self, name: &Name) -> bool {
        self.key.as_ref().is_some_and(|key| *key == name.key())
    }
}

/// Classifies `body` as seen by `me`.
pub fn classify(body: &Body, me: &Me) -> Kind {
    let Body::Server(line) = body else {
        return Kind::Note;
    };
    match line {
        ServerLine::Message { from, text } => Kind::Message {
            own: me.is(from),
            mention: mentions_lower(text, &me.lower),
        },
        ServerLine::Action { from, text } => Kind::Action {
            own: me.is(from),
            mention: mentions_lower(text, &me.lower),
        },
        ServerLine::Private { from, .. } if me.is(from) => Kind::PrivateOut,
        ServerLine::Private { .. } => Kind::PrivateIn,
        ServerLine::Error(_) => Kind::Error,
        ServerLine::Unknown(_) => Kind::Unknown,
        ServerLine::YouAre(_)
        | ServerLine::Online(_)
        | ServerLine::Arrived(_)
        | ServerLine::Left { .. }
        | ServerLine::Renamed { .. }
        | ServerLine::Bye(_)
        | ServerLine::Skipped(_)
        | ServerLine::HistoryStart(_)
        | ServerLine::HistoryEnd
        | ServerLine::TagsOn
        | ServerLine::Away { .. }
        | ServerLine::Back(_)
        | ServerLine::ResumedStart(_)
        | ServerLine::ResumedEnd
        | ServerLine::Session(_)
        | ServerLine::Ignoring(_)
        | ServerLine::NotIgnoring(_)
        | ServerLine::IgnoreList(_)
        | ServerLine::Notice(_) => Kind::Notice,
    }
}

/// Whether `name` is `me` under the protocol's uniqueness rule.
pub fn same_name(name: &Name, me: &str) -> bool {
    Me::new(me).is(name)
}

/// Whether `text` names `me` as a whole word, ignoring case.
#[cfg(test)]
pub fn mentions(text: &str, me: &str) -> bool {
    mentions_lower(text, &me.to_lowercase())
}

fn mentions_lower(text: &str, me: &str) -> bool {
    if me.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    text.match_indices(me).any(|(at, found)| {
        let before = text[..at].chars().next_back();
        let after = text[at + found.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn server(line: &str) -> Body {
        Body::Server(ServerLine::parse(line))
    }

    #[test]
    fn kinds() {
        let me = &Me::new("alice");
        assert_eq!(
            classify(&server("bob: hi"), me),
            Kind::Message {
                own: false,
                mention: false
            }
        );
        assert_eq!(
            classify(&server("Alice: hi"), me),
            Kind::Message {
                own: true,
                mention: false
            }
        );
        assert_eq!(
            classify(&server("bob: hi alice!"), me),
            Kind::Message {
                own: false,
                mention: true
            }
        );
        assert_eq!(
            classify(&server("* bob pokes @ALICE"), me),
            Kind::Action {
                own: false,
                mention: true
            }
        );
        assert_eq!(classify(&server("bob -> alice: psst"), me), Kind::PrivateIn);
        assert_eq!(
            classify(&server("alice -> bob: psst"), me),
            Kind::PrivateOut
        );
        assert_eq!(classify(&server("-- bob has arrived"), me), Kind::Notice);
        assert_eq!(classify(&server("! nope"), me), Kind::Error);
        assert_eq!(classify(&server("???"), me), Kind::Unknown);
        assert_eq!(classify(&Body::Note("x".into()), me), Kind::Note);
        let nobody = &Me::new("not a name!");
        assert_eq!(
            classify(&server("alice -> bob: psst"), nobody),
            Kind::PrivateIn
        );
    }

    #[test]
    fn mentions_are_whole_words() {
        assert!(mentions("hey alice", "alice"));
        assert!(mentions("alice: look", "Alice"));
        assert!(!mentions("malice aforethought", "alice"));
        assert!(!mentions("alice_b is here", "alice"));
        assert!(mentions("你好 小明!", "小明"));
    }

    #[test]
    fn attention() {
        assert!(Kind::PrivateIn.wants_attention());
        assert!(
            !Kind::Message {
                own: true,
                mention: true
            }
            .wants_attention()
        );
        assert!(
            Kind::Message {
                own: false,
                mention: true
            }
            .wants_attention()
        );
    }

    proptest! {
        #[test]
        fn classify_accepts_any_line(line in any::<String>(), me in any::<String>()) {
            let _ = classify(&server(&line), &Me::new(&me));
            let _ = mentions(&line, &me);
        }
    }
}
