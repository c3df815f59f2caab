//! Options every store accepts (`?prefix=app:`...): the facade takes them off the URL before the
//! backend sees it and turns each into a layer around the opened store.
//!
//! Adding one: a line in [`GENERIC`]. The order of the table is the order of the stack: the
//! first option's layer wraps the store itself, the last one is what callers reach first.

use std::sync::Arc;

use kivigo_core::layer::{Layer, Prefix};
use kivigo_core::{Backend, BackendUrl, Error, Result};

/// One generic option: its name and how its value becomes a layer.
struct GenericOption {
    name: &'static str,
    layer: fn(&str) -> Result<Box<dyn Layer>>,
}

/// Every generic option, innermost layer first.
const GENERIC: &[GenericOption] = &[GenericOption {
    name: "prefix",
    layer: prefix,
}];

/// The names of the generic options, as error messages list them.
pub(crate) const NAMES: &[&str] = &["prefix"];

fn prefix(value: &str) -> Result<Box<dyn Layer>> {
    if value.is_empty() {
        return Err(Error::config(
            "option `prefix` must not be empty (leave it out for no prefix)",
        ));
    }
    Ok(Box::new(Prefix::new(value)))
}

/// The URL the backend gets (without the generic options) and the layers they ask for.
pub(crate) fn split(url: &BackendUrl) -> Result<(BackendUrl, Vec<Box<dyn Layer>>)> {
    let layers = GENERIC
        .iter()
        .filter_map(|option| url.option(option.name).map(|value| (option.layer)(value)))
        .collect::<Result<Vec<_>>>()?;
    Ok((url.without_generic(NAMES)?, layers))
}

/// Wraps `store` in `layers`, closing the store if a layer refuses it.
pub(crate) async fn apply(
    store: Arc<dyn Backend>,
    layers: Vec<Box<dyn Layer>>,
) -> Result<Arc<dyn Backend>> {
    match kivigo_core::layer::stack(store.clone(), layers) {
        Ok(layered) => Ok(layered),
        Err(err) => {
            let _ = store.close().await;
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_list_matches_the_table() {
        let names: Vec<&str> = GENERIC.iter().map(|option| option.name).collect();
        assert_eq!(names, NAMES);
    }

    #[test]
    fn an_empty_prefix_is_refused() {
        let url = BackendUrl::parse("memory://?prefix=").expect("url");
        assert!(matches!(split(&url), Err(Error::Config(_))));
    }
}
