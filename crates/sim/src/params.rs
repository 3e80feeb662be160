//! Scenario parameters: every number a user can set has a default, a range and a one-line doc, defined once in
//! the scenario and used by the URL parser, the UI knobs, the CLI `--set` and the docs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Int {
        default: i64,
        min: i64,
        max: i64,
        unit: &'static str,
    },
    Bool {
        default: bool,
    },
    /// One of a few named options (`persistence = none | aof-everysec | aof-always`).
    Choice {
        default: &'static str,
        options: &'static [&'static str],
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    pub key: &'static str,
    /// One line for a learner: what this knob changes.
    pub doc: &'static str,
    pub kind: ParamKind,
}

impl ParamSpec {
    pub const fn int(
        key: &'static str,
        default: i64,
        min: i64,
        max: i64,
        unit: &'static str,
        doc: &'static str,
    ) -> Self {
        ParamSpec { key, doc, kind: ParamKind::Int { default, min, max, unit } }
    }

    pub const fn bool(key: &'static str, default: bool, doc: &'static str) -> Self {
        ParamSpec { key, doc, kind: ParamKind::Bool { default } }
    }

    /// A choice among `options`; `default` must be one of them (the scenario tests check it).
    pub const fn choice(
        key: &'static str,
        default: &'static str,
        options: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        ParamSpec { key, doc, kind: ParamKind::Choice { default, options } }
    }

    pub fn default_value(&self) -> ParamValue {
        match self.kind {
            ParamKind::Int { default, .. } => ParamValue::Int(default),
            ParamKind::Bool { default } => ParamValue::Bool(default),
            ParamKind::Choice { default, .. } => ParamValue::Choice(default),
        }
    }

    /// `0..=60000 ms`, `true|false`: the accepted values, for messages and docs.
    pub fn range_text(&self) -> String {
        match self.kind {
            ParamKind::Int { min, max, unit: "", .. } => format!("{min}..={max}"),
            ParamKind::Int { min, max, unit, .. } => format!("{min}..={max} {unit}"),
            ParamKind::Bool { .. } => "true|false".to_string(),
            ParamKind::Choice { options, .. } => options.join("|"),
        }
    }

    /// Parse and range-check a value given as text (URL, CLI, a text box).
    pub fn parse(&self, raw: &str) -> Result<ParamValue, ParamError> {
        let raw = raw.trim();
        match self.kind {
            ParamKind::Int { .. } => {
                let v: i64 = raw.replace('_', "").parse().map_err(|_| ParamError::NotANumber {
                    key: self.key.to_string(),
                    raw: raw.to_string(),
                    range: self.range_text(),
                })?;
                self.check(ParamValue::Int(v)).map(|_| ParamValue::Int(v)).map_err(|_| ParamError::OutOfRange {
                    key: self.key.to_string(),
                    value: v,
                    range: self.range_text(),
                })
            }
            ParamKind::Bool { .. } => match raw.to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" => Ok(ParamValue::Bool(true)),
                "false" | "0" | "off" | "no" => Ok(ParamValue::Bool(false)),
                _ => Err(ParamError::NotABool { key: self.key.to_string(), raw: raw.to_string() }),
            },
            ParamKind::Choice { options, .. } => {
                options.iter().find(|o| o.eq_ignore_ascii_case(raw)).map(|o| ParamValue::Choice(o)).ok_or_else(|| {
                    ParamError::NotAChoice { key: self.key.to_string(), raw: raw.to_string(), range: self.range_text() }
                })
            }
        }
    }

    /// Check a typed value against this spec.
    pub fn check(&self, value: ParamValue) -> Result<(), ParamError> {
        match (self.kind, value) {
            (ParamKind::Int { min, max, .. }, ParamValue::Int(v)) if v >= min && v <= max => Ok(()),
            (ParamKind::Int { .. }, ParamValue::Int(v)) => {
                Err(ParamError::OutOfRange { key: self.key.to_string(), value: v, range: self.range_text() })
            }
            (ParamKind::Bool { .. }, ParamValue::Bool(_)) => Ok(()),
            (ParamKind::Choice { options, .. }, ParamValue::Choice(c)) if options.contains(&c) => Ok(()),
            (ParamKind::Choice { .. }, ParamValue::Choice(c)) => {
                Err(ParamError::NotAChoice { key: self.key.to_string(), raw: c.to_string(), range: self.range_text() })
            }
            (_, v) => Err(ParamError::WrongType { key: self.key.to_string(), raw: v.to_string() }),
        }
    }
}

/// In JSON a parameter is a plain boolean, integer or (for a choice) string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    /// One of the spec's options (the spec's own `&'static str`, so values stay `Copy`).
    Choice(&'static str),
}

/// A parameter value as read from a file, before it is checked against its spec: a choice arrives as text.
/// [`Params::set_input`] turns it into a [`ParamValue`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamInput {
    Bool(bool),
    Int(i64),
    Text(String),
}

// Written by hand: the derived untagged form buffers its input and costs the browser bundle many kilobytes.
impl<'de> Deserialize<'de> for ParamInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ParamInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean, a whole number or a short text")
            }
            fn visit_bool<E>(self, v: bool) -> Result<ParamInput, E> {
                Ok(ParamInput::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ParamInput, E> {
                Ok(ParamInput::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ParamInput, E> {
                i64::try_from(v).map(ParamInput::Int).map_err(|_| E::custom("number too large"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ParamInput, E> {
                if v.len() > 64 {
                    return Err(E::custom("text value longer than 64 characters"));
                }
                Ok(ParamInput::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Bool(v) => write!(f, "{v}"),
            ParamValue::Choice(v) => f.write_str(v),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ParamError {
    #[error("unknown parameter `{key}`; known: {known}")]
    UnknownKey { key: String, known: String },
    #[error("`{key}` must be a whole number in {range}, not `{raw}`")]
    NotANumber { key: String, raw: String, range: String },
    #[error("`{key}` must be true or false, not `{raw}`")]
    NotABool { key: String, raw: String },
    #[error("`{key}` must be one of {range}, not `{raw}`")]
    NotAChoice { key: String, raw: String, range: String },
    #[error("`{key}` = {value} is out of range {range}")]
    OutOfRange { key: String, value: i64, range: String },
    #[error("`{key}` has the wrong type of value `{raw}`")]
    WrongType { key: String, raw: String },
    #[error("a setting is KEY=VALUE, not `{raw}`")]
    NotASetting { raw: String },
    #[error("{0}")]
    Conflict(String),
}

impl ParamError {
    /// `lo_key <= hi_key`, or a clear conflict naming both (`latency_min_ms = 20 is above latency_max_ms = 10`).
    pub fn check_order<T: PartialOrd + fmt::Display>(lo_key: &str, lo: T, hi_key: &str, hi: T) -> Result<(), Self> {
        if lo > hi {
            return Err(ParamError::Conflict(format!("{lo_key} = {lo} is above {hi_key} = {hi}")));
        }
        Ok(())
    }
}

/// A full set of values for a scenario's parameters (every key present, each within its range).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    specs: &'static [ParamSpec],
    values: Vec<ParamValue>,
}

impl Params {
    pub fn defaults(specs: &'static [ParamSpec]) -> Self {
        Params { specs, values: specs.iter().map(ParamSpec::default_value).collect() }
    }

    pub fn specs(&self) -> &'static [ParamSpec] {
        self.specs
    }

    fn index(&self, key: &str) -> Result<usize, ParamError> {
        self.specs.iter().position(|s| s.key == key).ok_or_else(|| ParamError::UnknownKey {
            key: key.to_string(),
            known: self.specs.iter().map(|s| s.key).collect::<Vec<_>>().join(", "),
        })
    }

    pub fn spec(&self, key: &str) -> Option<&'static ParamSpec> {
        self.specs.iter().find(|s| s.key == key)
    }

    /// Set `key` from text. On error nothing changes.
    pub fn set(&mut self, key: &str, raw: &str) -> Result<(), ParamError> {
        let i = self.index(key)?;
        self.values[i] = self.specs[i].parse(raw)?;
        Ok(())
    }

    /// Set `key` to a typed value. On error nothing changes.
    pub fn set_value(&mut self, key: &str, value: ParamValue) -> Result<(), ParamError> {
        let i = self.index(key)?;
        self.specs[i].check(value)?;
        self.values[i] = value;
        Ok(())
    }

    /// Set `key` from a value read from a file (a choice arrives as text). On error nothing changes.
    pub fn set_input(&mut self, key: &str, input: ParamInput) -> Result<(), ParamError> {
        match input {
            ParamInput::Bool(v) => self.set_value(key, ParamValue::Bool(v)),
            ParamInput::Int(v) => self.set_value(key, ParamValue::Int(v)),
            ParamInput::Text(raw) => {
                let i = self.index(key)?;
                match self.specs[i].kind {
                    ParamKind::Choice { .. } => self.set(key, &raw),
                    _ => Err(ParamError::WrongType { key: key.to_string(), raw }),
                }
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<ParamValue> {
        self.index(key).ok().map(|i| self.values[i])
    }

    /// The integer value of `key`. Keys are the scenario's own constants; an unknown key reads as 0 (and fails
    /// the scenario's tests), never as a panic in the browser.
    pub fn int(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(ParamValue::Int(v)) => v,
            _ => {
                debug_assert!(false, "no integer parameter `{key}`");
                0
            }
        }
    }

    /// The boolean value of `key` (false for an unknown key, like [`Params::int`]).
    pub fn bool(&self, key: &str) -> bool {
        match self.get(key) {
            Some(ParamValue::Bool(v)) => v,
            _ => {
                debug_assert!(false, "no boolean parameter `{key}`");
                false
            }
        }
    }

    /// Apply settings given as `key=value` pairs separated by commas (`fencing=true,clients=3`; empty: none), as
    /// samples, chapters-in-code, the probe and the xtask write them. On error nothing changes.
    pub fn apply(&mut self, sets: &str) -> Result<(), ParamError> {
        let mut next = self.clone();
        for kv in sets.split(',').map(str::trim).filter(|kv| !kv.is_empty()) {
            let (k, v) = kv.split_once('=').ok_or_else(|| ParamError::NotASetting { raw: kv.to_string() })?;
            next.set(k.trim(), v)?;
        }
        *self = next;
        Ok(())
    }

    /// The option chosen for `key` (the empty string for an unknown key, like [`Params::int`]).
    pub fn choice(&self, key: &str) -> &'static str {
        match self.get(key) {
            Some(ParamValue::Choice(v)) => v,
            _ => {
                debug_assert!(false, "no choice parameter `{key}`");
                ""
            }
        }
    }

    /// `int(key)` as a non-negative count of microseconds, for `*_ms` parameters.
    pub fn ms_as_us(&self, key: &str) -> u64 {
        self.int(key).max(0) as u64 * crate::US_PER_MS
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, ParamValue)> + '_ {
        self.specs.iter().zip(self.values.iter().copied())
    }

    /// Only the values that differ from their defaults: what a URL or a repro command needs to carry.
    pub fn non_default(&self) -> impl Iterator<Item = (&'static ParamSpec, ParamValue)> + '_ {
        self.iter().filter(|(s, v)| s.default_value() != *v)
    }

    pub fn to_map(&self) -> BTreeMap<String, ParamValue> {
        self.iter().map(|(s, v)| (s.key.to_string(), v)).collect()
    }
}

/// A typed field of a scenario's parameter struct, read from its [`ParamValue`] (see [`crate::params!`]).
pub trait FromParam: Sized {
    fn from_param(value: ParamValue) -> Self;
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl FromParam for $t {
            /// Ranges are checked before a run, so the cast cannot truncate a value a spec allows.
            fn from_param(value: ParamValue) -> Self {
                match value {
                    ParamValue::Int(v) => v.clamp(<$t>::MIN as i64, <$t>::MAX.min(i64::MAX as $t) as i64) as $t,
                    _ => 0,
                }
            }
        }
    )*};
}
from_int!(i64, u64, u32, usize);

impl FromParam for bool {
    fn from_param(value: ParamValue) -> Self {
        matches!(value, ParamValue::Bool(true))
    }
}

impl FromParam for &'static str {
    fn from_param(value: ParamValue) -> Self {
        match value {
            ParamValue::Choice(c) => c,
            _ => "",
        }
    }
}

/// An enum whose variants are the options of a `choice` parameter, each named once: `OPTIONS` (for the spec),
/// `name`, `from_choice` (the first variant for anything else: the spec admits only `OPTIONS`) and
/// [`FromParam`], so that a `params!` field can have the enum's type.
///
/// ```text
/// faultline_sim::choice! {
///     /// Which commit protocol runs.
///     pub enum Protocol { TwoPc = "2pc", ThreePc = "3pc" }
/// }
/// ```
#[macro_export]
macro_rules! choice {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $option:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every option, in the order the UI lists them.
            pub const OPTIONS: &'static [&'static str] = &[$($option),+];
            const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The variant an option names (the first for anything else).
            pub fn from_choice(choice: &str) -> Self {
                Self::OPTIONS.iter().position(|o| *o == choice).map_or(Self::ALL[0], |i| Self::ALL[i])
            }

            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $option),+ }
            }
        }

        impl $crate::FromParam for $name {
            fn from_param(value: $crate::ParamValue) -> Self {
                $name::from_choice(<&str as $crate::FromParam>::from_param(value))
            }
        }
    };
}

/// Declare a scenario's parameters once: the spec list that the URL, the UI, the CLI `--set` and the docs read,
/// and the typed struct the scenario's code reads (so a misspelt key is a compile error, not a silent 0).
///
/// ```text
/// faultline_sim::params! {
///     /// The knobs of a lock.
///     pub struct LockParams in LOCK_PARAMS {
///         clients: u32 = int(2, 1, 8, "", "How many clients compete for the lock."),
///         fencing: bool = bool(false, "The storage rejects stale tokens."),
///         persistence: &'static str = choice("none", &["none", "aof-always"], "What survives a restart."),
///     }
/// }
/// let p = LockParams::from(&faultline_sim::Params::defaults(LOCK_PARAMS));
/// assert_eq!((p.clients, p.fencing, p.persistence), (2, false, "none"));
/// ```
///
/// (This example is the unit test `the_macro_declares_the_specs_and_a_typed_struct`.)
#[macro_export]
macro_rules! params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident in $specs:ident {
            $( $field:ident : $ty:ty = $kind:ident ( $($arg:expr),* $(,)? ) ),* $(,)?
        }
    ) => {
        /// The parameter specs, in the order the UI lists them.
        $vis static $specs: &[$crate::ParamSpec] = &[ $( $crate::ParamSpec::$kind(stringify!($field), $($arg),*) ),* ];

        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $( pub $field: $ty, )*
        }

        impl From<&$crate::Params> for $name {
            fn from(p: &$crate::Params) -> Self {
                $name {
                    $( $field: <$ty as $crate::FromParam>::from_param(
                        p.get(stringify!($field)).unwrap_or($crate::ParamValue::Bool(false)),
                    ), )*
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macro_declares_the_specs_and_a_typed_struct() {
        crate::params! {
            /// The knobs of a lock.
            pub struct LockParams in LOCK_PARAMS {
                clients: u32 = int(2, 1, 8, "", "How many clients compete for the lock."),
                fencing: bool = bool(false, "The storage rejects stale tokens."),
                persistence: &'static str = choice("none", &["none", "aof-always"], "What survives a restart."),
            }
        }
        let p = LockParams::from(&Params::defaults(LOCK_PARAMS));
        assert_eq!((p.clients, p.fencing, p.persistence), (2, false, "none"));
        let mut set = Params::defaults(LOCK_PARAMS);
        set.apply("clients=5,persistence=aof-always").unwrap();
        let p = LockParams::from(&set);
        assert_eq!((p.clients, p.persistence), (5, "aof-always"));
        assert_eq!(LOCK_PARAMS.iter().map(|s| s.key).collect::<Vec<_>>(), ["clients", "fencing", "persistence"]);
    }

    crate::choice! {
        enum Mode { First = "first", Second = "second-one" }
    }

    #[test]
    fn a_choice_enum_names_each_option_once() {
        assert_eq!(Mode::OPTIONS, ["first", "second-one"]);
        for (m, name) in [(Mode::First, "first"), (Mode::Second, "second-one")] {
            assert_eq!((m.name(), Mode::from_choice(name)), (name, m));
            assert_eq!(Mode::from_param(ParamValue::Choice(name)), m);
        }
        assert_eq!(Mode::from_choice("nonsense"), Mode::First);
    }

    static SPECS: &[ParamSpec] = &[
        ParamSpec::int("ttl_ms", 500, 10, 60_000, "ms", "lock lease"),
        ParamSpec::bool("fencing", false, "tokens"),
        ParamSpec::choice("persistence", "none", &["none", "aof-always"], "what survives"),
    ];

    #[test]
    fn defaults_and_sets() {
        let mut p = Params::defaults(SPECS);
        assert_eq!(p.int("ttl_ms"), 500);
        assert!(!p.bool("fencing"));
        p.set("ttl_ms", "1_000").unwrap();
        p.set("fencing", "on").unwrap();
        assert_eq!(p.int("ttl_ms"), 1000);
        assert!(p.bool("fencing"));
        assert_eq!(p.non_default().count(), 2);
    }

    #[test]
    fn bad_input_is_a_clear_error_and_changes_nothing() {
        let mut p = Params::defaults(SPECS);
        let e = p.set("ttl_ms", "abc").unwrap_err();
        assert_eq!(e.to_string(), "`ttl_ms` must be a whole number in 10..=60000 ms, not `abc`");
        let e = p.set("ttl_ms", "5").unwrap_err();
        assert_eq!(e.to_string(), "`ttl_ms` = 5 is out of range 10..=60000 ms");
        let e = p.set("fencing", "maybe").unwrap_err();
        assert_eq!(e.to_string(), "`fencing` must be true or false, not `maybe`");
        let e = p.set("persistence", "rdb").unwrap_err();
        assert_eq!(e.to_string(), "`persistence` must be one of none|aof-always, not `rdb`");
        let e = p.set("nope", "1").unwrap_err();
        assert_eq!(e.to_string(), "unknown parameter `nope`; known: ttl_ms, fencing, persistence");
        let e = p.set_value("ttl_ms", ParamValue::Bool(true)).unwrap_err();
        assert!(matches!(e, ParamError::WrongType { .. }));
        assert_eq!(p, Params::defaults(SPECS));
    }

    #[test]
    fn settings_apply_all_or_nothing() {
        let mut p = Params::defaults(SPECS);
        p.apply("ttl_ms=900, fencing=on,").unwrap();
        assert_eq!((p.int("ttl_ms"), p.bool("fencing")), (900, true));
        assert_eq!(p.apply("ttl_ms=1000,fencing").unwrap_err().to_string(), "a setting is KEY=VALUE, not `fencing`");
        assert!(p.apply("ttl_ms=1000,nope=1").is_err());
        assert_eq!(p.int("ttl_ms"), 900, "nothing changed");
    }

    #[test]
    fn choices_parse_display_and_check() {
        let mut p = Params::defaults(SPECS);
        assert_eq!(p.choice("persistence"), "none");
        p.set("persistence", "AOF-Always").unwrap();
        assert_eq!(p.choice("persistence"), "aof-always");
        assert_eq!(p.get("persistence").unwrap().to_string(), "aof-always");
        assert_eq!(SPECS[2].range_text(), "none|aof-always");
        assert!(p.set_value("persistence", ParamValue::Choice("sometimes")).is_err());
        assert_eq!(p.choice("persistence"), "aof-always");
    }

    #[test]
    fn values_round_trip_through_json() {
        let mut p = Params::defaults(SPECS);
        for (key, v) in [
            ("fencing", ParamValue::Bool(true)),
            ("ttl_ms", ParamValue::Int(600)),
            ("persistence", ParamValue::Choice("aof-always")),
        ] {
            let json = serde_json::to_string(&v).unwrap();
            p.set_input(key, serde_json::from_str::<ParamInput>(&json).unwrap()).unwrap();
            assert_eq!(p.get(key), Some(v));
        }
        assert!(p.set_input("ttl_ms", ParamInput::Text("x".into())).is_err());
        assert!(p.set_input("persistence", ParamInput::Text("x".into())).is_err());
        assert!(serde_json::from_str::<ParamInput>("18446744073709551615").is_err());
        assert!(serde_json::from_str::<ParamInput>(&format!("\"{}\"", "x".repeat(65))).is_err());
    }
}
