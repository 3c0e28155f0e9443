//! Checking flows against the WIT, and what the checked flows compile to.
//!
//! Every step is looked up in its stage's declared world and type-checked against what
//! flows into it, so a mismatch is reported at the step's line before anything is
//! built. The result, a [`Plan`], is what [`super::emit`] turns into a core module.

use indexmap::IndexMap;
use wit_parser::{Function, FunctionKind, InterfaceId, Resolve, Type, TypeDefKind, WorldItem};

use super::constant::Constant;
use crate::{
    manifest::{Flow, Flows, StageName, names_match},
    wave::type_name,
    wit::WitDir,
};

/// What the checked flows compile to.
pub struct Plan {
    /// The interfaces the glue exports, each function a flow or forwarded.
    pub exports: Vec<ExportedInterface>,
    /// The interfaces the glue imports, each from one stage, in first-use order.
    pub imports: IndexMap<InterfaceId, StageName>,
}

/// An interface the glue exports.
pub struct ExportedInterface {
    /// The interface.
    pub id: InterfaceId,
    /// Its functions, in WIT order.
    pub functions: Vec<(Function, Body)>,
}

/// How an exported function is implemented.
pub enum Body {
    /// By a flow.
    Flow(FlowPlan),
    /// By the same function of the stage `exports:` names for the interface.
    Forward,
}

/// A checked flow.
pub struct FlowPlan {
    /// The steps, in order.
    pub steps: Vec<StepPlan>,
    /// How the last value becomes the flow's result.
    pub ret: Return,
    /// What the flow returns when a step fails with an error its result cannot carry.
    pub on_error: Option<Constant>,
}

/// A checked step.
pub struct StepPlan {
    /// The stage called.
    pub stage: StageName,
    /// The interface of the function called.
    pub interface: InterfaceId,
    /// The function called.
    pub function: Function,
    /// Where each parameter comes from.
    pub args: Vec<Arg>,
    /// For a step returning `result<T, E>` that the flow continues past: what an error
    /// does. `None` when the step's value goes on as it is.
    pub on_err: Option<ErrorExit>,
}

/// Where a step's parameter comes from.
pub enum Arg {
    /// The previous step's result (or the flow's first parameter, for the first step).
    Flowing,
    /// A parameter of the flow, by index.
    Param(usize),
    /// A constant.
    Const(Constant),
}

/// What a step's error does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorExit {
    /// The flow returns it: its result is `result<_, E>` with the same `E`.
    Propagate,
    /// The flow returns its `on-error` value.
    OnError,
    /// The flow traps (and `weld check` warned).
    Trap,
}

/// How the last value becomes the flow's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Return {
    /// The flow returns nothing.
    Nothing,
    /// The value is the result.
    Same,
    /// The result is `ok(value)`.
    Ok,
    /// The result is `some(value)`.
    Some,
}

/// A problem with a flow, at the flow, one of its steps, or a step's parameter.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The flow (index into [`Flows::flows`]).
    pub flow: usize,
    /// The step, if the problem is one step's.
    pub step: Option<usize>,
    /// The parameter of the step, if the problem is its value's.
    pub arg: Option<String>,
    /// `on-error:` is at fault.
    pub on_error: bool,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// Only a warning: the flow works, perhaps not as meant.
    pub warning: bool,
}

impl Problem {
    fn at(flow: usize, step: Option<usize>, message: String) -> Self {
        Problem {
            flow,
            step,
            arg: None,
            on_error: false,
            message,
            help: None,
            warning: false,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Checks `flows` against `resolve`: the plan, and warnings; or every problem found.
pub fn plan(flows: &Flows, wit: &WitDir) -> Result<(Plan, Vec<Problem>), Vec<Problem>> {
    let resolve = &wit.resolve;
    let mut problems = Vec::new();
    let mut exports: Vec<ExportedInterface> = Vec::new();
    let mut imports: IndexMap<InterfaceId, StageName> = IndexMap::new();
    let mut flow_of: IndexMap<(InterfaceId, String), usize> = IndexMap::new();

    for (index, flow) in flows.flows.iter().enumerate() {
        let Some((interface, function)) = exported_function(resolve, flow, index, &mut problems)
        else {
            continue;
        };
        if let Some(first) = flow_of.insert((interface, function.name.clone()), index) {
            problems.push(
                Problem::at(
                    index,
                    None,
                    format!(
                        "`{}` has two flows (the other is `{}`)",
                        flow.key, flows.flows[first].key
                    ),
                )
                .help("keep one of them"),
            );
            continue;
        }
        let Some(flow_plan) = check_flow(wit, flow, index, &function, &mut problems) else {
            continue;
        };
        for (i, step) in flow_plan.steps.iter().enumerate() {
            let stage = &flow.steps[i].stage;
            match imports.get(&step.interface) {
                Some(other) if other != stage => problems.push(
                    Problem::at(
                        index,
                        Some(i),
                        format!(
                            "stages `{other}` and `{stage}` both export `{}`, and flows call both",
                            interface_name(resolve, step.interface)
                        ),
                    )
                    .help("a flow calls one stage per interface: call the functions of this interface from one of them"),
                ),
                Some(_) => {}
                None => {
                    imports.insert(step.interface, stage.clone());
                }
            }
        }
        match exports.iter_mut().find(|e| e.id == interface) {
            Some(e) => e.functions.push((function, Body::Flow(flow_plan))),
            None => exports.push(ExportedInterface {
                id: interface,
                functions: vec![(function, Body::Flow(flow_plan))],
            }),
        }
    }

    // The rest of each interface is forwarded to the stage `exports:` names for it.
    for export in &mut exports {
        let name = interface_name(resolve, export.id);
        let forward = flows
            .forwards
            .iter()
            .find(|(written, _)| names_match(written, &name));
        let mut functions = Vec::new();
        for (fname, function) in &resolve.interfaces[export.id].functions {
            if let Some(at) = export.functions.iter().position(|(f, _)| &f.name == fname) {
                functions.push(export.functions.remove(at));
                continue;
            }
            let flow = flow_of
                .iter()
                .find(|((i, _), _)| *i == export.id)
                .map(|(_, f)| *f)
                .unwrap_or_default();
            match forward {
                Some((_, target)) => {
                    match imports.get(&export.id) {
                        Some(stage) if *stage != target.stage => problems.push(
                            Problem::at(flow, None, format!(
                                "flows call `{name}` of stage `{stage}`, and forward its functions without a flow to `{}`",
                                target.stage
                            ))
                            .help("call the interface's functions from the stage `exports:` names for it"),
                        ),
                        _ => {
                            imports.insert(export.id, target.stage.clone());
                        }
                    }
                    functions.push((function.clone(), Body::Forward));
                }
                None => problems.push(
                    Problem::at(
                        flow,
                        None,
                        format!("`{fname}` of `{name}` has no flow, and no stage is named to export the rest of `{name}`"),
                    )
                    .help(format!(
                        "add a flow for `{name}.{fname}`, or name the stage implementing the other functions under `exports:` (`{name}: <stage>`)"
                    )),
                ),
            }
        }
        export.functions = functions;
    }

    let (errors, warnings): (Vec<Problem>, Vec<Problem>) =
        problems.into_iter().partition(|p| !p.warning);
    if errors.is_empty() {
        Ok((Plan { exports, imports }, warnings))
    } else {
        Err(errors)
    }
}

/// The interface and function a flow implements.
fn exported_function(
    resolve: &Resolve,
    flow: &Flow,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Option<(InterfaceId, Function)> {
    let names: Vec<(InterfaceId, String)> = resolve
        .interfaces
        .iter()
        .filter_map(|(id, _)| Some((id, resolve.id_of(id)?)))
        .collect();
    let Some((id, name)) = names
        .iter()
        .find(|(_, name)| names_match(&flow.interface, name))
    else {
        let mut p = Problem::at(
            index,
            None,
            format!(
                "interface `{}` is not in the pipeline's WIT folder",
                flow.interface
            ),
        );
        let written: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
        p = match crate::diagnostic::did_you_mean(&flow.interface, written.iter().copied()) {
            Some(help) => p.help(help),
            None => {
                p.help("flows implement functions of interfaces of the pipeline's `wit` folder")
            }
        };
        problems.push(p);
        return None;
    };
    let interface = &resolve.interfaces[*id];
    let Some(function) = interface.functions.get(&flow.function) else {
        let mut p = Problem::at(
            index,
            None,
            format!("interface `{name}` has no function `{}`", flow.function),
        );
        let functions = interface.functions.keys().map(String::as_str);
        p = match crate::diagnostic::did_you_mean(&flow.function, functions) {
            Some(help) => p.help(help),
            None => p.help(format!(
                "its functions: {}",
                crate::wiring::backticked(interface.functions.keys())
            )),
        };
        problems.push(p);
        return None;
    };
    if !matches!(function.kind, FunctionKind::Freestanding) {
        problems.push(Problem::at(
            index,
            None,
            format!("`{}` is not a plain function: flows implement functions, not resource methods or async functions", flow.key),
        ));
        return None;
    }
    Some((*id, function.clone()))
}

/// Checks one flow's steps; `None` if any is wrong (the problems say why).
fn check_flow(
    wit: &WitDir,
    flow: &Flow,
    index: usize,
    function: &Function,
    problems: &mut Vec<Problem>,
) -> Option<FlowPlan> {
    let resolve = &wit.resolve;
    let before = problems.iter().filter(|p| !p.warning).count();
    let result = function.result;
    // The value flowing into the next step, and where it came from, for messages.
    let mut flowing: Option<Type> = function.params.first().map(|p| p.ty);
    let mut from = match function.params.first() {
        Some(p) => format!("the flow's parameter `{}`", p.name),
        None => String::new(),
    };
    let mut steps = Vec::new();
    let mut incomplete = false;
    let last = flow.steps.len().saturating_sub(1);
    for (i, step) in flow.steps.iter().enumerate() {
        let written = step.written();
        let Some((interface, callee)) = step_function(wit, flow, index, i, problems) else {
            // What flows on is unknown: checking further would only report follow-ons.
            incomplete = true;
            break;
        };
        let mut args = Vec::new();
        for (name, _) in &step.args {
            if !callee.params.iter().any(|p| &p.name == name) {
                let names = callee.params.iter().map(|p| p.name.as_str());
                let mut p = Problem::at(
                    index,
                    Some(i),
                    format!("`{written}` has no parameter `{name}`"),
                );
                p.arg = Some(name.clone());
                p = match crate::diagnostic::did_you_mean(name, names) {
                    Some(help) => p.help(help),
                    None => p.help(format!("its parameters: {}", params_text(resolve, &callee))),
                };
                problems.push(p);
            }
        }
        for (j, param) in callee.params.iter().enumerate() {
            let given = step
                .args
                .iter()
                .find(|(n, _)| n == &param.name)
                .map(|(_, v)| v);
            let mismatch = |got: &Type, what: &str| {
                Problem::at(
                    index,
                    Some(i),
                    format!(
                        "`{written}` takes `{}: {}`, and gets {what} of type `{}`",
                        param.name,
                        type_name(resolve, &param.ty),
                        type_name(resolve, got)
                    ),
                )
            };
            if j == 0
                && let Some(ty) = flowing
            {
                if given.is_some() {
                    let mut p = Problem::at(
                        index,
                        Some(i),
                        format!(
                            "`{}` of `{written}` is given, and it takes {from}",
                            param.name
                        ),
                    );
                    p.arg = Some(param.name.clone());
                    problems.push(p.help(format!(
                        "a step's first parameter takes the value flowing in: remove `{}` here",
                        param.name
                    )));
                } else if !same_type(resolve, &ty, &param.ty) {
                    problems.push(mismatch(&ty, &from).help(
                        "make the previous step return what this one takes, or put a step in between that converts it",
                    ));
                }
                args.push(Arg::Flowing);
                continue;
            }
            let by_name = |name: &str| function.params.iter().position(|p| p.name == name);
            let arg = match given {
                Some(text) => match by_name(text) {
                    Some(k) => {
                        let ty = function.params[k].ty;
                        if !same_type(resolve, &ty, &param.ty) {
                            let mut p = mismatch(&ty, &format!("the flow's parameter `{text}`"));
                            p.arg = Some(param.name.clone());
                            problems.push(p);
                        }
                        Arg::Param(k)
                    }
                    None => match Constant::parse(resolve, &param.ty, text) {
                        Ok(c) => Arg::Const(c),
                        Err(e) => {
                            let mut p = Problem::at(
                                index,
                                Some(i),
                                format!(
                                    "`{text}` is not a value of `{}: {}`: {e}",
                                    param.name,
                                    type_name(resolve, &param.ty)
                                ),
                            );
                            p.arg = Some(param.name.clone());
                            problems.push(p.help(
                                "write the value in WAVE (`title`, `42`, `'\"text\"'`, `'[1, 2]'`), or name a parameter of the flow",
                            ));
                            continue;
                        }
                    },
                },
                None => match by_name(&param.name) {
                    Some(k) => {
                        let ty = function.params[k].ty;
                        if !same_type(resolve, &ty, &param.ty) {
                            problems.push(mismatch(
                                &ty,
                                &format!("the flow's parameter `{}`", param.name),
                            ));
                        }
                        Arg::Param(k)
                    }
                    None => {
                        problems.push(
                            Problem::at(
                                index,
                                Some(i),
                                format!(
                                    "parameter `{}: {}` of `{written}` has no value",
                                    param.name,
                                    type_name(resolve, &param.ty)
                                ),
                            )
                            .help(format!(
                                "give it in the step: `{written}: {{ {}: <value> }}`",
                                param.name
                            )),
                        );
                        continue;
                    }
                },
            };
            args.push(arg);
        }
        if callee.params.is_empty() && flowing.is_some() {
            problems.push(
                Problem::at(
                    index,
                    Some(i),
                    format!("`{written}` takes no parameters, so {from} would be lost"),
                )
                .help("call a function that takes it, or reorder the steps"),
            );
        }

        // What flows on: the result, or a `result`'s `ok` value.
        let mut on_err = None;
        flowing = callee.result;
        if let Some(ty) = callee.result
            && let Some((ok, err)) = result_cases(resolve, &ty)
            && !(i == last && result.is_some_and(|r| same_type(resolve, &r, &ty)))
        {
            let carries =
                result
                    .and_then(|r| result_cases(resolve, &r))
                    .is_some_and(|(_, flow_err)| match (err, flow_err) {
                        (Some(a), Some(b)) => same_type(resolve, &a, &b),
                        (None, None) => true,
                        _ => false,
                    });
            let exit = if carries {
                ErrorExit::Propagate
            } else if flow.on_error.is_some() {
                ErrorExit::OnError
            } else {
                let err_text = err
                    .map(|e| format!(" (`{}`)", type_name(resolve, &e)))
                    .unwrap_or_default();
                let mut p = Problem::at(
                    index,
                    Some(i),
                    format!(
                        "`{written}` can fail{err_text}, and `{}` cannot return the error: the flow traps when it does",
                        flow.key
                    ),
                )
                .help(if flow.long {
                    "add `on-error: <value>` to the flow to return a value instead".to_string()
                } else {
                    "write the flow as `{ steps: [...], on-error: <value> }` to return a value instead, or return `result<_, E>` from the flow".to_string()
                });
                p.warning = true;
                problems.push(p);
                ErrorExit::Trap
            };
            on_err = Some(exit);
            flowing = ok;
        }
        from = format!("the result of `{written}`");
        steps.push(StepPlan {
            stage: step.stage.clone(),
            interface,
            function: callee,
            args,
            on_err,
        });
    }

    let ret = match (result, flowing) {
        _ if incomplete => Return::Nothing,
        (None, _) => Return::Nothing,
        (Some(r), Some(v)) if same_type(resolve, &r, &v) => Return::Same,
        (Some(r), v) => {
            let cases = result_cases(resolve, &r);
            let option = option_case(resolve, &r);
            let matches = |case: Option<Type>| match (case, v) {
                (Some(a), Some(b)) => same_type(resolve, &a, &b),
                (None, None) => true,
                _ => false,
            };
            if cases.is_some_and(|(ok, _)| matches(ok)) {
                Return::Ok
            } else if option.is_some_and(|some| matches(Some(some))) {
                Return::Some
            } else {
                let got = match v {
                    Some(v) => format!("`{}`", type_name(resolve, &v)),
                    None => "nothing".to_string(),
                };
                problems.push(
                    Problem::at(
                        index,
                        Some(last),
                        format!(
                            "`{}` returns `{}`, and its last step gives {got}",
                            flow.key,
                            type_name(resolve, &r)
                        ),
                    )
                    .help("end the flow with a step returning the flow's result type"),
                );
                Return::Same
            }
        }
    };

    let on_error = match (&flow.on_error, result) {
        (None, _) => None,
        (Some(_), None) => {
            let mut p = Problem::at(
                index,
                None,
                format!(
                    "`{}` returns nothing, so `on-error` has nothing to return",
                    flow.key
                ),
            );
            p.on_error = true;
            problems.push(p.help("remove `on-error`"));
            None
        }
        (Some(text), Some(r)) => match Constant::parse(resolve, &r, text) {
            Ok(c) => Some(c),
            Err(e) => {
                let mut p = Problem::at(
                    index,
                    None,
                    format!(
                        "`{text}` is not a value of `{}`, the flow's result: {e}",
                        type_name(resolve, &r)
                    ),
                );
                p.on_error = true;
                problems.push(
                    p.help("write the value in WAVE, quoted for YAML: `'\"\"'` is an empty string"),
                );
                None
            }
        },
    };
    let after = problems.iter().filter(|p| !p.warning).count();
    (after == before && !incomplete).then_some(FlowPlan {
        steps,
        ret,
        on_error,
    })
}

/// The interface and function step `step` of `flow` calls, found in its stage's world.
fn step_function(
    wit: &WitDir,
    flow: &Flow,
    index: usize,
    step: usize,
    problems: &mut Vec<Problem>,
) -> Option<(InterfaceId, Function)> {
    let s = &flow.steps[step];
    let Some(world_name) = &s.world else {
        problems.push(
            Problem::at(
                index,
                Some(step),
                format!("stage `{}` has no `world`, so its functions are not known before it is built", s.stage),
            )
            .help("flows call stages built from source against a world of the pipeline's `wit` folder"),
        );
        return None;
    };
    let resolve = &wit.resolve;
    // A world that is not there is reported with the stage's contract.
    let world = &resolve.worlds[wit.world(world_name).ok()?];
    let mut found = Vec::new();
    let mut all = Vec::new();
    for item in world.exports.values() {
        if let WorldItem::Interface { id, .. } = item {
            for (name, f) in &resolve.interfaces[*id].functions {
                all.push(name.clone());
                if *name == s.function {
                    found.push((*id, f.clone()));
                }
            }
        }
    }
    match found.len() {
        1 => found.pop(),
        0 => {
            let mut p = Problem::at(
                index,
                Some(step),
                format!("stage `{}` exports no function `{}`", s.stage, s.function),
            );
            p = match crate::diagnostic::did_you_mean(&s.function, all.iter().map(String::as_str)) {
                Some(help) => p.help(help),
                None if all.is_empty() => p.help(format!(
                    "its world `{world_name}` exports no interface functions"
                )),
                None => p.help(format!(
                    "its functions: {}",
                    crate::wiring::backticked(all.iter())
                )),
            };
            problems.push(p);
            None
        }
        _ => {
            let names: Vec<String> = found
                .iter()
                .map(|(id, _)| interface_name(resolve, *id))
                .collect();
            problems.push(
                Problem::at(
                    index,
                    Some(step),
                    format!(
                        "stage `{}` exports `{}` from {}",
                        s.stage,
                        s.function,
                        crate::wiring::backticked(names.iter())
                    ),
                )
                .help("flows call functions whose name is unique among the stage's exports"),
            );
            None
        }
    }
}

/// The full name of an interface, `ns:pkg/name@version`.
pub fn interface_name(resolve: &Resolve, id: InterfaceId) -> String {
    resolve
        .id_of(id)
        .unwrap_or_else(|| "<anonymous>".to_string())
}

/// `ok` and `err` of a `result` type.
pub fn result_cases(resolve: &Resolve, ty: &Type) -> Option<(Option<Type>, Option<Type>)> {
    match kind(resolve, ty)? {
        TypeDefKind::Result(r) => Some((r.ok, r.err)),
        _ => None,
    }
}

/// The payload of an `option` type.
fn option_case(resolve: &Resolve, ty: &Type) -> Option<Type> {
    match kind(resolve, ty)? {
        TypeDefKind::Option(t) => Some(*t),
        _ => None,
    }
}

/// The definition behind `ty`, aliases followed; `None` for primitive types.
pub fn kind<'a>(resolve: &'a Resolve, ty: &Type) -> Option<&'a TypeDefKind> {
    let mut ty = *ty;
    loop {
        let Type::Id(id) = ty else {
            return None;
        };
        match &resolve.types[id].kind {
            TypeDefKind::Type(next) => ty = *next,
            other => return Some(other),
        }
    }
}

/// `ty` with aliases followed.
fn dealias(resolve: &Resolve, ty: &Type) -> Type {
    let mut ty = *ty;
    while let Type::Id(id) = ty
        && let TypeDefKind::Type(next) = &resolve.types[id].kind
    {
        ty = *next;
    }
    ty
}

/// Structural equality, as the component model compares types: names of records and
/// variants do not matter, those of their fields and cases do; resources are nominal.
pub fn same_type(resolve: &Resolve, a: &Type, b: &Type) -> bool {
    let (a, b) = (dealias(resolve, a), dealias(resolve, b));
    let (Type::Id(x), Type::Id(y)) = (a, b) else {
        return a == b;
    };
    if x == y {
        return true;
    }
    let same = |a: &Type, b: &Type| same_type(resolve, a, b);
    let same_opt = |a: &Option<Type>, b: &Option<Type>| match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    };
    match (&resolve.types[x].kind, &resolve.types[y].kind) {
        (TypeDefKind::Record(r), TypeDefKind::Record(s)) => {
            r.fields.len() == s.fields.len()
                && r.fields
                    .iter()
                    .zip(&s.fields)
                    .all(|(f, g)| f.name == g.name && same(&f.ty, &g.ty))
        }
        (TypeDefKind::Variant(v), TypeDefKind::Variant(w)) => {
            v.cases.len() == w.cases.len()
                && v.cases
                    .iter()
                    .zip(&w.cases)
                    .all(|(c, d)| c.name == d.name && same_opt(&c.ty, &d.ty))
        }
        (TypeDefKind::Enum(e), TypeDefKind::Enum(f)) => {
            e.cases.len() == f.cases.len()
                && e.cases.iter().zip(&f.cases).all(|(c, d)| c.name == d.name)
        }
        (TypeDefKind::Flags(e), TypeDefKind::Flags(f)) => {
            e.flags.len() == f.flags.len()
                && e.flags.iter().zip(&f.flags).all(|(c, d)| c.name == d.name)
        }
        (TypeDefKind::Tuple(t), TypeDefKind::Tuple(u)) => {
            t.types.len() == u.types.len() && t.types.iter().zip(&u.types).all(|(a, b)| same(a, b))
        }
        (TypeDefKind::Option(a), TypeDefKind::Option(b))
        | (TypeDefKind::List(a), TypeDefKind::List(b)) => same(a, b),
        (TypeDefKind::FixedLengthList(a, n), TypeDefKind::FixedLengthList(b, m)) => {
            n == m && same(a, b)
        }
        (TypeDefKind::Result(r), TypeDefKind::Result(s)) => {
            same_opt(&r.ok, &s.ok) && same_opt(&r.err, &s.err)
        }
        _ => false,
    }
}

/// `name: type, ...` of a function's parameters.
fn params_text(resolve: &Resolve, function: &Function) -> String {
    function
        .params
        .iter()
        .map(|p| format!("`{}: {}`", p.name, type_name(resolve, &p.ty)))
        .collect::<Vec<_>>()
        .join(", ")
}
