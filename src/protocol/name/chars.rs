//! Which characters a name may hold, one by one and on one letter.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Most combining marks one letter may carry: enough for Vietnamese
/// (`ệ`), too few to stack marks over the line above or below.
pub(super) const MAX_MARKS_PER_LETTER: usize = 2;

/// A Unicode letter or decimal digit, and nothing invisible.
pub(super) fn is_name_start(c: char) -> bool {
    !is_invisible(c)
        && (c.general_category_group() == GeneralCategoryGroup::Letter
            || c.general_category() == GeneralCategory::DecimalNumber)
}

/// Letters, combining marks, decimal digits, `_`, `-`, `.`; nothing
/// invisible.
pub(super) fn is_name_char(c: char) -> bool {
    if is_invisible(c) {
        return false;
    }
    matches!(c, '_' | '-' | '.')
        || c.general_category() == GeneralCategory::DecimalNumber
        || matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark
        )
}

/// Code points that draw as nothing: Unicode's default-ignorable ones
/// (DerivedCoreProperties), so `alice` plus one of them would pass for
/// `alice`, and fillers such as the Khitan U+16FE4. Some are letters (the
/// Hangul fillers) or marks (variation selectors).
pub(super) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{16FE4}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The first combining mark beyond [`MAX_MARKS_PER_LETTER`] on one letter.
///
/// Counted in NFD, so a precomposed letter counts its own marks, and only
/// for marks drawn on the letter (non-spacing and enclosing ones): the
/// spacing marks of Indic scripts sit beside it and stack nothing.
pub(super) fn mark_beyond_limit(name: &str) -> Option<char> {
    let mut on_letter = 0;
    for c in name.nfd() {
        match c.general_category() {
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark => {
                on_letter += 1;
                if on_letter > MAX_MARKS_PER_LETTER {
                    return Some(c);
                }
            }
            GeneralCategory::SpacingMark => {}
            _ => on_letter = 0,
        }
    }
    None
}
