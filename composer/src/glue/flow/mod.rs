//! The flow glue: the component implementing a pipeline's `flows:`.
//!
//! It exports each interface a flow implements and imports the interfaces its steps
//! call (and, for the functions without a flow, the interface itself from the stage
//! `exports:` names for it). [`plan`] checks every step against the pipeline's WIT;
//! [`emit`] writes the core module that calls the steps, laying values out as the
//! canonical ABI does (wit-parser's `SizeAlign` and flat types); wit-component makes it
//! a component of a world generated here. No toolchain is needed, and the same flows
//! give the same bytes.

pub mod constant;
mod emit;
mod plan;

use crate::{
    diagnostic::{Diagnostic, Diagnostics},
    manifest::{FLOW_STAGE, Flows, ImportSource, Manifest, Target},
    wit::WitDir,
};

/// Why the flow glue could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum FlowGlueError {
    /// The pipeline has no WIT folder (`weld check` says so first).
    #[error("the pipeline has no `wit:` folder")]
    NoWit,
    /// A flow does not check (`weld check` reports where).
    #[error("{0}")]
    Invalid(String),
    /// The generated world or component is invalid (a bug in Weld).
    #[error("cannot make the flow glue a component (this is a bug in Weld)")]
    Component(#[source] anyhow::Error),
}

/// The glue component implementing `flows`, over the pipeline's WIT folder `wit`.
pub fn generate(flows: &Flows, wit: Option<&WitDir>) -> Result<Vec<u8>, FlowGlueError> {
    let wit = wit.ok_or(FlowGlueError::NoWit)?;
    let (plan, _) = plan::plan(flows, wit).map_err(|problems| {
        FlowGlueError::Invalid(
            problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default(),
        )
    })?;
    let failed = FlowGlueError::Component;
    // The glue's world is added to a copy: the pipeline's WIT stays as it was read.
    let mut resolve = wit.resolve.clone();
    let mut world = String::from("package weld:flow-glue;\n\nworld glue {\n");
    for id in plan.imports.keys() {
        world.push_str(&format!(
            "    import {};\n",
            plan::interface_name(&wit.resolve, *id)
        ));
    }
    for export in &plan.exports {
        world.push_str(&format!(
            "    export {};\n",
            plan::interface_name(&wit.resolve, export.id)
        ));
    }
    world.push_str("}\n");
    let package = resolve
        .push_source("weld-flows.wit", &world)
        .map_err(failed)?;
    let world = resolve
        .select_world(&[package], Some("glue"))
        .map_err(failed)?;
    let module = emit::module(&resolve, &plan);
    super::encode(module, &resolve, world).map_err(failed)
}

/// Checks the flows against the WIT before anything is built, each problem at its
/// step's line, and wires the glue's imports to the stages the steps name. Returns the
/// warnings.
pub fn check(
    manifest: &mut Manifest,
    wit: Option<&WitDir>,
) -> Result<Vec<Diagnostic>, Diagnostics> {
    let Some(flows) = &manifest.flows else {
        return Ok(Vec::new());
    };
    let Some(wit) = wit else {
        return Err(Diagnostic::error("`flows:` needs the pipeline's WIT folder")
            .at_opt(&manifest.source, manifest.locator.key(&["flows"]), "")
            .help("add `wit: <dir>` at the top of the pipeline, the folder with the interfaces the flows implement and call")
            .into());
    };
    let to_diagnostic = |p: &plan::Problem| {
        let flow = &flows.flows[p.flow];
        let span = if p.on_error {
            manifest.locator.value(&["flows", &flow.key, "on-error"])
        } else {
            manifest.flow_span(flow, p.step, p.arg.as_deref())
        };
        let d = if p.warning {
            Diagnostic::warning(&p.message)
        } else {
            Diagnostic::error(&p.message)
        };
        let label = match p.step {
            Some(i) => format!("step {} of `{}`", i + 1, flow.key),
            None => String::new(),
        };
        let d = d.at_opt(&manifest.source, span, label);
        match &p.help {
            Some(help) => d.help(help),
            None => d,
        }
    };
    let (plan, warnings) = plan::plan(flows, wit)
        .map_err(|problems| Diagnostics(problems.iter().map(to_diagnostic).collect()))?;
    let warnings = warnings.iter().map(to_diagnostic).collect();
    // Each interface the steps call comes from the stage they name.
    let stage = manifest
        .stages
        .values_mut()
        .find(|s| s.name.as_str() == FLOW_STAGE)
        .expect("`flows:` adds its stage");
    for (id, from) in &plan.imports {
        let name = plan::interface_name(&wit.resolve, *id);
        stage.imports.insert(
            name.clone(),
            ImportSource::Stage(Target {
                stage: from.clone(),
                export: Some(name),
            }),
        );
    }
    Ok(warnings)
}
