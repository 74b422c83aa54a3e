//! Tab completion of names.

/// A tab completion in progress: Tab again replaces the inserted name with
/// the next candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset where the completed word starts.
    pub start: usize,
    pub candidates: Vec<String>,
    pub index: usize,
    /// The word started the line: complete as `NAME: `.
    pub at_line_start: bool,
}

impl Completion {
    /// Starts completing `prefix` (at byte `start`) against `names`;
    /// `None` when nothing matches.
    pub fn start(prefix: &str, start: usize, names: &[String]) -> Option<Completion> {
        let lower = prefix.to_lowercase();
        let candidates: Vec<String> = names
            .iter()
            .filter(|n| n.to_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        (!candidates.is_empty()).then_some(Completion {
            start,
            candidates,
            index: 0,
            at_line_start: start == 0,
        })
    }

    /// The text to insert for the current candidate.
    pub fn text(&self) -> String {
        let name = self.candidates.get(self.index).map_or("", String::as_str);
        if self.at_line_start {
            format!("{name}: ")
        } else {
            name.to_owned()
        }
    }

    pub fn advance(&mut self) {
        self.index = (self.index + 1) % self.candidates.len().max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_cycles() {
        let names = [
            "bartholomew".to_owned(),
            "Barbara".to_owned(),
            "carol".to_owned(),
        ];
        let mut c = Completion::start("bar", 0, &names).expect("matches");
        assert_eq!(c.text(), "bartholomew: ");
        c.advance();
        assert_eq!(c.text(), "Barbara: ");
        c.advance();
        assert_eq!(c.text(), "bartholomew: ");
        assert!(Completion::start("x", 3, &names).is_none());
        let c = Completion::start("ca", 3, &names).expect("matches");
        assert_eq!(c.text(), "carol");
    }
}
