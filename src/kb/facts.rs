//! What the rules read of each service of a release's canonical compose
//! file, taken from the effective model (anchors and merges resolved). The
//! build script folds these facts into static data, so a check parses no
//! YAML of the knowledge base; `kb::tests` checks the data against the model.

use crate::model::compose::{Compose, Service, Value};

/// One service's facts, as the build script computes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub name: String,
    /// `image` when it is a scalar.
    pub image: Option<String>,
    /// `command` as words (empty when unset).
    pub command: Vec<String>,
    /// `environment` entries in order: the key, and the value (`None` when
    /// it is passed through from `.env`).
    pub environment: Vec<(String, Option<String>)>,
    /// The scalar items of `profiles`; `None` when the key is absent.
    pub profiles: Option<Vec<String>>,
    /// The keys of `depends_on`.
    pub depends_on: Vec<String>,
}

/// The facts of every service, in the file's order.
pub fn of_compose(compose: &Compose) -> Vec<Facts> {
    compose.services.iter().map(of_service).collect()
}

pub fn of_service(svc: &Service) -> Facts {
    let keyed = |key: &str| svc.get(key).map(Value::keyed).unwrap_or_default();
    Facts {
        name: svc.name.clone(),
        image: svc.image().map(str::to_string),
        command: svc.command().to_vec(),
        environment: keyed("environment")
            .iter()
            .map(|k| (k.key.to_string(), k.value.map(str::to_string)))
            .collect(),
        profiles: svc
            .get("profiles")
            .map(|p| p.strings().into_iter().map(str::to_string).collect()),
        depends_on: keyed("depends_on")
            .iter()
            .map(|k| k.key.to_string())
            .collect(),
    }
}
