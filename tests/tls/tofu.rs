//! Trust on first use in the real `chatty join`.
