//! Where a caught panic happened. `catch_unwind` hands over only the panic's
//! payload; its location is known to the panic hook alone. [`install_hook`]
//! chains a hook in front of the one already set (the host's, or the default
//! one that prints to stderr, which still runs) that notes the location in a
//! thread-local; the edge middleware, which catches the panic on the same
//! thread, reads it back with [`describe`].

use std::any::Any;
use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the location-noting hook once per process (idempotent).
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            LAST_LOCATION.with(|slot| *slot.borrow_mut() = location);
            previous(info);
        }));
    });
}

/// `panicked at FILE:LINE:COL: MESSAGE` for a panic just caught on this
/// thread (for logs only; never shown to the caller).
pub(crate) fn describe(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a non-text panic payload)".to_string());
    let location = LAST_LOCATION.with(|slot| slot.borrow_mut().take()).unwrap_or_else(|| "an unknown location".into());
    format!("panicked at {location}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_is_described_with_its_location() {
        install_hook();
        let payload = std::panic::catch_unwind(|| panic!("boom {}", 42)).unwrap_err();
        let text = describe(payload.as_ref());
        assert!(text.starts_with("panicked at http-adapter/src/panics.rs:") || text.contains("panics.rs:"), "{text}");
        assert!(text.ends_with(": boom 42"), "{text}");
        // Read once: a later description does not reuse a stale location.
        assert!(describe(&"x").contains("an unknown location"));
    }
}
