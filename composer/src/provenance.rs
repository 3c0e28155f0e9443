//! SLSA provenance for a composed artifact (`weld compose --provenance`): an in-toto
//! Statement v1 whose subject is the artifact and whose predicate (SLSA Provenance v1)
//! lists, per stage, every input the build record names. It carries no time, host or
//! absolute path, so the same inputs give the same statement, and `weld verify`'s
//! inputs (the build record) and the statement say the same thing.
//!
//! The statement is unsigned: sign it with the tool of your supply chain (e.g.
//! `cosign attest --type slsaprovenance1 --predicate <(jq .predicate app.intoto.json)`).

use serde_json::{Value, json};

use crate::build::BuildRecord;

/// The in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type: SLSA Provenance v1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// What `buildDefinition.buildType` says: how to read `externalParameters` and the
/// dependencies (described in README, "Reproducible builds").
pub const BUILD_TYPE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/compose/v1");

/// The statement for `artifact_name` (the artifact's file name), built as `record`
/// says, from the pipeline file `pipeline` (relative to where the record's paths are).
pub fn statement(artifact_name: &str, pipeline: &str, record: &BuildRecord) -> Value {
    let dependencies: Vec<Value> = record
        .stages
        .iter()
        .map(|stage| {
            let mut annotations = json!({
                "lang": stage.lang,
                "component": stage.component,
                "componentSha256": stage.component_hash,
            });
            let mut put = |key: &str, value: Option<&String>| {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    annotations[key] = json!(value);
                }
            };
            put("toolchain", Some(&stage.toolchain));
            put("world", stage.world.as_ref());
            put("adapter", stage.adapter.as_ref());
            put("npmLockfileSha256", stage.npm_lockfile.as_ref());
            json!({
                "name": format!("stage:{}", stage.stage),
                // The hash of every input of the stage: sources, WIT, world, toolchain.
                "digest": { "sha256": stage.source_hash },
                "annotations": annotations,
            })
        })
        .collect();
    json!({
        "_type": STATEMENT_TYPE,
        "subject": [{
            "name": artifact_name,
            "digest": { "sha256": record.artifact_hash },
        }],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "pipeline": pipeline,
                    "debug": record.debug,
                },
                "internalParameters": {
                    "linkKey": record.link_key,
                },
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {
                    "id": concat!(env!("CARGO_PKG_REPOSITORY"), "/weld"),
                    "version": { "weld": record.weld_version },
                },
            },
        },
    })
}
