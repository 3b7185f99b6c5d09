//! The rules. One rule is one file here, one line in `RULES`, one doc in
//! `rules/CODE.md` and one fixture folder in `testdata/rules/CODE/`
//! (`tests.rs` rejects a rule missing any of them).

use std::collections::HashMap;

use crate::config::PathIgnore;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::fix::{Applicability, Fix};
use crate::kb::version::Version;
use crate::kb::{Kb, ReleaseView};
use crate::model::compose::{Compose, Origin, Service};
use crate::model::{FileId, Install};
use crate::parse::env::{EnvEntry, EnvFile};
use crate::parse::interpolate::VarRef;
use crate::parse::pyconf::PyConf;
use crate::parse::yaml::{NodeId, YamlDoc};
use crate::source::{FileKind, Span};

pub mod helpers;
pub mod stack;

pub mod suppression;

mod sl000_parse_error;
mod sl001_duplicate_key;
mod sl002_unused_suppression;
mod sl003_invalid_interpolation;
mod sl004_override_base_anchor;
mod sl005_network_unreachable;
mod sl006_depends_on_disabled_service;
mod sl007_host_port_conflict;
mod sl008_loopback_service_address;
mod sl101_replay_consumer_missing;
mod sl102_duplicate_consumer;
mod sl103_session_replay_flag_missing;
mod sl104_unknown_consumer_type;
mod sl105_command_not_in_release;
mod sl106_consumer_group_missing;
mod sl201_invalid_retention_days;
mod sl202_ineffective_retention_setting;
mod sl203_retention_mismatch;
mod sl204_cleanup_retention_mismatch;
mod sl205_cleanup_service_missing;
mod sl206_retention_passthrough_missing;
mod sl301_image_version_skew;
mod sl302_floating_image_tag;
mod sl303_image_pinned_in_compose;
mod sl304_service_missing;
mod sl305_obsolete_service;
mod sl306_unknown_image_variable;
mod sl307_release_unknown;
mod sl308_command_from_other_release;
mod sl309_upgrade_path;
mod sl310_cache_backend_invalid;
mod sl311_missing_feature_flag;
mod sl312_release_health_backend_missing;
mod sl313_compose_profiles_missing;
mod sl314_single_org_without_create;
mod sl315_snuba_settings;
mod sl316_database_host_missing;
mod sl317_taskbroker_topic_missing;
mod sl320_url_prefix_invalid;
mod sl321_csrf_trusted_origin_invalid;
mod sl322_https_proxy_settings_missing;
mod sl323_dead_setting;
mod sl330_internal_port_published;
mod sl331_external_network;
mod sl332_default_secret_key;
mod sl333_default_shared_secret;
mod sl340_undefined_variable;
mod sl341_env_custom_missing_keys;
mod sl342_unknown_env_key;
mod sl343_dead_env_variable;
mod sl350_override_removed_service;
mod sl351_required_service_scaled_to_zero;
mod sl360_mail_host_pinned;
mod sl361_invalid_mail_host;
mod sl362_smtp_tls_mismatch;
mod sl370_kafka_retention;
mod sl371_env_variable_not_passed;
mod sl372_relay_open_registration;
mod sl380_snuba_storage_removed;
mod sl381_postgres_data_path;
mod sl382_deprecated_sentry_image;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

pub struct Rule {
    /// `SL` and three digits; never reused.
    pub code: &'static str,
    /// kebab-case, names the problem (not the remedy).
    pub name: &'static str,
    pub severity: Severity,
    /// One line, for `sentrylint rules`.
    pub summary: &'static str,
    pub fix: FixAvailability,
    /// `rules/CODE.md`.
    pub doc: &'static str,
    pub check: fn(&Ctx, &mut Vec<Diagnostic>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

/// Every rule, sorted by code.
pub static RULES: &[&Rule] = &[
    &sl000_parse_error::RULE,
    &sl001_duplicate_key::RULE,
    &sl002_unused_suppression::RULE,
    &sl003_invalid_interpolation::RULE,
    &sl004_override_base_anchor::RULE,
    &sl005_network_unreachable::RULE,
    &sl006_depends_on_disabled_service::RULE,
    &sl007_host_port_conflict::RULE,
    &sl008_loopback_service_address::RULE,
    &sl101_replay_consumer_missing::RULE,
    &sl102_duplicate_consumer::RULE,
    &sl103_session_replay_flag_missing::RULE,
    &sl104_unknown_consumer_type::RULE,
    &sl105_command_not_in_release::RULE,
    &sl106_consumer_group_missing::RULE,
    &sl201_invalid_retention_days::RULE,
    &sl202_ineffective_retention_setting::RULE,
    &sl203_retention_mismatch::RULE,
    &sl204_cleanup_retention_mismatch::RULE,
    &sl205_cleanup_service_missing::RULE,
    &sl206_retention_passthrough_missing::RULE,
    &sl301_image_version_skew::RULE,
    &sl302_floating_image_tag::RULE,
    &sl303_image_pinned_in_compose::RULE,
    &sl304_service_missing::RULE,
    &sl305_obsolete_service::RULE,
    &sl306_unknown_image_variable::RULE,
    &sl307_release_unknown::RULE,
    &sl308_command_from_other_release::RULE,
    &sl309_upgrade_path::RULE,
    &sl310_cache_backend_invalid::RULE,
    &sl311_missing_feature_flag::RULE,
    &sl312_release_health_backend_missing::RULE,
    &sl313_compose_profiles_missing::RULE,
    &sl314_single_org_without_create::RULE,
    &sl315_snuba_settings::RULE,
    &sl316_database_host_missing::RULE,
    &sl317_taskbroker_topic_missing::RULE,
    &sl320_url_prefix_invalid::RULE,
    &sl321_csrf_trusted_origin_invalid::RULE,
    &sl322_https_proxy_settings_missing::RULE,
    &sl323_dead_setting::RULE,
    &sl330_internal_port_published::RULE,
    &sl331_external_network::RULE,
    &sl332_default_secret_key::RULE,
    &sl333_default_shared_secret::RULE,
    &sl340_undefined_variable::RULE,
    &sl341_env_custom_missing_keys::RULE,
    &sl342_unknown_env_key::RULE,
    &sl343_dead_env_variable::RULE,
    &sl350_override_removed_service::RULE,
    &sl351_required_service_scaled_to_zero::RULE,
    &sl360_mail_host_pinned::RULE,
    &sl361_invalid_mail_host::RULE,
    &sl362_smtp_tls_mismatch::RULE,
    &sl370_kafka_retention::RULE,
    &sl371_env_variable_not_passed::RULE,
    &sl372_relay_open_registration::RULE,
    &sl380_snuba_storage_removed::RULE,
    &sl381_postgres_data_path::RULE,
    &sl382_deprecated_sentry_image::RULE,
];

pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
}

/// All a rule may read.
pub struct Ctx<'a> {
    pub install: &'a Install,
    pub kb: &'a Kb,
    /// The install's release, when it is known and inside the knowledge base.
    pub release: Option<ReleaseView<'a>>,
    /// The release the team is heading to (`target-version`), if configured.
    pub target: Option<ReleaseView<'a>>,
    /// Readings several rules share, computed on first use.
    compose_vars: std::cell::OnceCell<std::collections::HashSet<String>>,
    images: std::cell::OnceCell<Vec<helpers::ImageSite<'a>>>,
    disabled: std::cell::OnceCell<HashMap<&'a str, (String, Origin)>>,
    scalars: std::cell::OnceCell<Vec<(Origin, &'a str)>>,
    var_refs: std::cell::OnceCell<Vec<(Origin, &'a str, VarRef)>>,
    upstream_layout: std::cell::OnceCell<bool>,
}

impl<'a> Ctx<'a> {
    pub fn new(install: &'a Install, target: Option<Version>) -> Ctx<'a> {
        let kb = Kb::get();
        Ctx {
            install,
            kb,
            release: install.release.version.and_then(|v| kb.view(v)),
            target: target.and_then(|v| kb.view(v)),
            compose_vars: std::cell::OnceCell::new(),
            images: std::cell::OnceCell::new(),
            disabled: std::cell::OnceCell::new(),
            scalars: std::cell::OnceCell::new(),
            var_refs: std::cell::OnceCell::new(),
            upstream_layout: std::cell::OnceCell::new(),
        }
    }

    /// A diagnostic of `rule` at `span` of `file`.
    pub fn diag(
        &self,
        rule: &Rule,
        file: FileId,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            message: message.into(),
            help: help.into(),
            file: Some(file),
            path: self.install.files[file].display.clone(),
            span,
            labels: Vec::new(),
            fix: None,
            repeat: None,
        }
    }

    /// A diagnostic at a compose value: where it is written, with a label
    /// where it was merged in when that is elsewhere.
    pub fn diag_at(
        &self,
        rule: &Rule,
        at: Origin,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        let d = self.diag(rule, at.file, at.span, message, help);
        match at.via {
            Some((file, span)) => d.with_label(file, span, "merged in here"),
            None => d,
        }
    }

    /// A diagnostic about a service as a whole, at its key.
    pub fn diag_service(
        &self,
        rule: &Rule,
        service: &Service,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        self.diag_at(rule, service.key_at, message, help)
    }

    pub fn compose(&self) -> Option<&'a Compose> {
        self.install.compose.as_ref()
    }

    pub fn service(&self, name: &str) -> Option<&'a Service> {
        self.compose()?.service(name)
    }

    pub fn compose_file(&self) -> Option<(FileId, &'a YamlDoc)> {
        self.install.compose_doc(FileKind::Compose)
    }

    /// The env file compose reads last (`.env.custom` if present, else `.env`).
    pub fn env_file(&self) -> Option<(FileId, &'a EnvFile)> {
        self.install.env_file()
    }

    /// The entry whose value compose uses for `key` (from `.env.custom` or,
    /// when the release layers the files, `.env`).
    pub fn env_entry(&self, key: &str) -> Option<(FileId, &'a EnvEntry)> {
        let binding = self.install.env.get(key)?;
        let entry = self.install.env_binding_entry(binding)?;
        Some((binding.file, entry))
    }

    pub fn pyconf(&self) -> Option<(FileId, &'a PyConf)> {
        self.install.pyconf.as_ref().map(|(f, c)| (*f, &**c))
    }

    pub fn config_yml(&self) -> Option<(FileId, &'a YamlDoc)> {
        self.install.config_yml.as_ref().map(|(f, d)| (*f, d))
    }

    pub fn taskbroker_config(&self) -> Option<(FileId, &'a YamlDoc)> {
        self.install
            .taskbroker_config
            .as_ref()
            .map(|(f, d)| (*f, d))
    }

    /// A top-level option in `sentry/config.yml` (`system.url-prefix`): the
    /// file, the key node and the value node.
    pub fn config_option(&self, key: &str) -> Option<(FileId, NodeId, NodeId)> {
        let (file, doc) = self.config_yml()?;
        let root = doc.root?;
        let pair = doc.get(root, key)?;
        Some((file, pair.key, pair.value))
    }

    /// The release rules judge against: the install's, or `None` when it is
    /// unknown or outside the knowledge base (rules then stay quiet).
    pub fn view(&self) -> Option<ReleaseView<'a>> {
        self.release
    }

    /// Compose reads this variable: references it in a value or passes it
    /// through to a container by name.
    pub fn compose_uses_variable(&self, name: &str) -> bool {
        self.compose_env_names().contains(name)
    }

    /// Every variable compose reads (see `helpers::compose_env_names`).
    pub fn compose_env_names(&self) -> &std::collections::HashSet<String> {
        self.compose_vars
            .get_or_init(|| helpers::compose_env_names(self))
    }

    /// Why a service of this install would not run, if it would not (see
    /// `helpers::disabled_reason`).
    pub fn disabled(&self, service: &Service) -> Option<&(String, Origin)> {
        self.disabled
            .get_or_init(|| {
                let Some(compose) = self.compose() else {
                    return HashMap::new();
                };
                compose
                    .services
                    .iter()
                    .filter_map(|s| {
                        Some((s.name.as_str(), helpers::disabled_reason(self.install, s)?))
                    })
                    .collect()
            })
            .get(service.name.as_str())
    }

    /// Every scalar compose interpolates (see `helpers::compose_value_scalars`).
    pub fn compose_scalars(&self) -> &[(Origin, &'a str)] {
        self.scalars
            .get_or_init(|| helpers::compose_value_scalars(self.install))
    }

    /// The `$VAR` references compose evaluates (see `helpers::compose_var_refs`).
    /// The compose files are a self-hosted install's: they build upstream's
    /// Sentry image, or run at least half of the services the release
    /// defines (by name, or doing the same work under another). Only then is a missing upstream service a gap
    /// rather than a stack built another way (a tutorial's web, worker and
    /// cron on the bare image), which upstream's list does not describe.
    pub fn follows_upstream_layout(&self) -> bool {
        *self
            .upstream_layout
            .get_or_init(|| helpers::follows_upstream_layout(self))
    }

    pub fn compose_var_refs(&self) -> &[(Origin, &'a str, VarRef)] {
        self.var_refs
            .get_or_init(|| helpers::compose_var_refs(self.compose_scalars()))
    }

    /// Every definition of a Sentry-built image (env values compose uses, and
    /// images written in compose).
    pub fn first_party_images(&self) -> &[helpers::ImageSite<'a>] {
        self.images
            .get_or_init(|| helpers::first_party_images(self))
    }

    /// The version the install runs, when told.
    pub fn version(&self) -> Option<Version> {
        self.install.release.version
    }
}

/// Whether `selector` (a code, a code prefix like `SL1`, a name or `ALL`) picks `rule`.
pub fn selects(selector: &str, rule: &Rule) -> bool {
    selector.eq_ignore_ascii_case("ALL")
        || rule.code.starts_with(&selector.to_ascii_uppercase())
        || rule.name == selector
}

/// Why `selector` matches no rule, with a suggestion; `None` when it matches one.
pub fn selector_error(selector: &str) -> Option<String> {
    if RULES.iter().any(|r| selects(selector, r)) {
        return None;
    }
    let hint = helpers::did_you_mean(selector, RULES.iter().flat_map(|r| [r.code, r.name]))
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    Some(format!("`{selector}` matches no rule{hint}"))
}

/// Which rules run, where, and how severe they are.
#[derive(Clone, Debug, Default)]
pub struct RuleSelection {
    /// Codes (or prefixes like `SL1`) to run; empty means all.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Severity)>,
    /// Rules skipped in the files a glob matches (`per-path-ignores`).
    pub per_path_ignores: Vec<PathIgnore>,
}

impl RuleSelection {
    pub fn enabled(&self, rule: &Rule) -> bool {
        // Input errors cannot be switched off: nothing else can be trusted then.
        if rule.code == "SL000" {
            return true;
        }
        let selected = self.select.is_empty() || self.select.iter().any(|s| selects(s, rule));
        selected && !self.ignore.iter().any(|s| selects(s, rule))
    }

    /// Whether `rule` runs on the file at `path` (on disk), after `per-path-ignores`.
    pub fn enabled_at(&self, rule: &Rule, path: &std::path::Path) -> bool {
        self.enabled(rule)
            && (rule.code == "SL000"
                || !self
                    .per_path_ignores
                    .iter()
                    .any(|p| p.selectors.iter().any(|s| selects(s, rule)) && p.matches(path)))
    }

    pub fn severity_of(&self, rule: &Rule) -> Severity {
        self.configured_severity(rule).unwrap_or(rule.severity)
    }

    /// The severity the user set for `rule`, if any.
    pub fn configured_severity(&self, rule: &Rule) -> Option<Severity> {
        self.severity
            .iter()
            .rev()
            .find(|(c, _)| c.eq_ignore_ascii_case(rule.code) || c == rule.name)
            .map(|(_, s)| *s)
    }
}

/// Runs the selected rules on one install. Diagnostics come back sorted by
/// file and position.
pub fn check(
    install: &Install,
    selection: &RuleSelection,
    target: Option<Version>,
) -> Vec<Diagnostic> {
    let ctx = Ctx::new(install, target);
    let mut out = Vec::new();
    for rule in RULES {
        if !selection.enabled(rule) {
            continue;
        }
        let start = out.len();
        (rule.check)(&ctx, &mut out);
        // A finding keeps the severity its rule gave it (a rule may raise or
        // lower one from its default) unless the user configured one for the rule.
        if let Some(severity) = selection.configured_severity(rule) {
            for d in &mut out[start..] {
                d.severity = severity;
            }
        }
    }
    let runs_here = |d: &Diagnostic| {
        let (Some(file), Some(rule)) = (d.file, by_code(d.code)) else {
            return true;
        };
        selection.enabled_at(rule, &install.files[file].path)
    };
    out.retain(runs_here);
    let directives = suppression::read(install);
    let mut usage = suppression::Usage::new(&directives);
    let mut out = suppression::apply(install, &directives, out, &mut usage);
    let unused = &sl002_unused_suppression::RULE;
    if selection.enabled(unused) {
        let judged =
            |rule: &Rule, file: FileId| selection.enabled_at(rule, &install.files[file].path);
        let mut found = sl002_unused_suppression::report(install, &directives, &usage, &judged);
        found.retain(runs_here);
        let severity = selection.severity_of(unused);
        for d in &mut found {
            d.severity = severity;
        }
        out.extend(suppression::apply(install, &directives, found, &mut usage));
    }
    sort(&mut out);
    merge_repeats(out)
}

/// Reports each problem found at several places once: the first finding
/// of a rule with a given [`Repeat`] key (in report order) takes the others
/// as labels and their fixes' edits, when those fixes are as safe as its own.
fn merge_repeats(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    // (code, key, applicability of the fix) -> index in `out`, and how many merged.
    let mut first: HashMap<(&'static str, String, Option<Applicability>), (usize, usize)> =
        HashMap::new();
    for d in diags {
        let Some(repeat) = &d.repeat else {
            out.push(d);
            continue;
        };
        let group = (
            d.code,
            repeat.key.clone(),
            d.fix.as_ref().map(|f| f.applicability),
        );
        let Some((at, merged)) = first.get_mut(&group) else {
            first.insert(group, (out.len(), 0));
            out.push(d);
            continue;
        };
        *merged += 1;
        let head = &mut out[*at];
        if let Some(file) = d.file {
            head.labels.push(Label {
                file,
                span: d.span,
                message: repeat.label.clone(),
            });
        }
        if let (Some(fix), Some(other)) = (&mut head.fix, d.fix) {
            fix.edits.extend(other.edits);
        }
    }
    for (at, merged) in first.into_values() {
        if merged > 0 {
            let head = &mut out[at];
            head.message.push_str(&format!(
                ", and at {merged} more place{}",
                if merged == 1 { "" } else { "s" }
            ));
        }
    }
    out
}

pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.path, a.span.start, a.code, &a.message).cmp(&(
            &b.path,
            b.span.start,
            b.code,
            &b.message,
        ))
    });
}

/// The fixes of `diags` at or above `min` safety, in order.
pub fn fixes(diags: &[Diagnostic], unsafe_too: bool) -> Vec<&Fix> {
    diags
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| unsafe_too || f.applicability == crate::fix::Applicability::Safe)
        .collect()
}

#[cfg(test)]
mod pristine_tests;
#[cfg(test)]
mod tests;
