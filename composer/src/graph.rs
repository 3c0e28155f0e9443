//! The stage graph: stages are nodes, wires are edges from importer to exporter.
//!
//! Built from the manifest and the [`Wiring`]; finds cycles (reported as the whole
//! cycle, `a -> b -> a`), stages no export reaches (left out of the artifact, with a
//! warning), and the order to instantiate stages in: every exporter before its importers.
//! It also renders the graph as Graphviz dot or Mermaid.

use indexmap::IndexMap;
use petgraph::{
    Direction,
    algo::tarjan_scc,
    graph::{DiGraph, NodeIndex},
    visit::Dfs,
};

use crate::{
    diagnostic::{Diagnostic, Diagnostics},
    manifest::{Lang, Manifest, StageName, unversioned},
    wiring::{WireOrigin, Wiring},
};

/// A stage in the graph.
#[derive(Debug, Clone)]
pub struct StageNode {
    /// Its name.
    pub name: StageName,
    /// Its language.
    pub lang: Lang,
}

/// The stage graph of a pipeline.
#[derive(Debug)]
pub struct StageGraph {
    /// Nodes are stages; an edge `a -> b` carries the index of a wire where `a` imports
    /// from `b`.
    pub graph: DiGraph<StageNode, usize>,
    /// Each stage's node.
    pub nodes: IndexMap<StageName, NodeIndex>,
    /// Stages some artifact export depends on, in instantiation order (exporters first).
    pub order: Vec<StageName>,
    /// Stages no export reaches: they are not linked.
    pub unreachable: Vec<StageName>,
}

impl StageGraph {
    /// Builds the graph; a cycle is an error, unreachable stages are warnings.
    pub fn build(
        manifest: &Manifest,
        wiring: &Wiring,
    ) -> Result<(StageGraph, Vec<Diagnostic>), Diagnostics> {
        let mut graph = DiGraph::new();
        let mut nodes = IndexMap::new();
        for stage in manifest.stages.values() {
            let node = graph.add_node(StageNode {
                name: stage.name.clone(),
                lang: stage.lang,
            });
            nodes.insert(stage.name.clone(), node);
        }
        for (i, wire) in wiring.wires.iter().enumerate() {
            graph.add_edge(nodes[&wire.importer], nodes[&wire.exporter], i);
        }

        let mut diags = Diagnostics::default();
        for cycle in cycles(&graph) {
            let names: Vec<&str> = cycle.iter().map(|n| graph[*n].name.as_str()).collect();
            let mut d = Diagnostic::error(format!(
                "stages import from each other in a cycle: {} -> {}",
                names.join(" -> "),
                names[0]
            ))
            .at_opt(
                &manifest.source,
                manifest.key_span(&["stages", names[0]]),
                "the cycle starts here",
            );
            for (k, from) in cycle.iter().enumerate() {
                let to = cycle[(k + 1) % cycle.len()];
                if let Some(edge) = graph.edges_connecting(*from, to).next() {
                    let w = &wiring.wires[*edge.weight()];
                    d = d.note(format!(
                        "`{}` imports `{}` from `{}`",
                        w.importer, w.import, w.exporter
                    ));
                }
            }
            // A stage wrapping an interface imports and exports one name; by-name wiring
            // then points wrappers at each other. The fix there is the host's import.
            let cycle_wires: Vec<&crate::wiring::Wire> = cycle
                .iter()
                .enumerate()
                .filter_map(|(k, from)| {
                    let to = cycle[(k + 1) % cycle.len()];
                    let edge = graph.edges_connecting(*from, to).next()?;
                    Some(&wiring.wires[*edge.weight()])
                })
                .collect();
            let auto = cycle_wires.iter().copied().find(|w| {
                w.origin == WireOrigin::Auto
                    && cycle_wires.iter().any(|other| {
                        other.exporter == w.importer
                            && unversioned(&other.export) == unversioned(&w.import)
                    })
            });
            d = match auto {
                Some(w) => d.help(format!(
                    "`{}` both imports and exports `{}`, and was wired to `{}` by name; to give it the host's instead, add `{}: host` under `stages.{}.imports` (or list `{}` in `host-imports`)",
                    w.importer, w.import, w.exporter, unversioned(&w.import), w.importer, unversioned(&w.import)
                )),
                None => d.help("a component can only be linked to components instantiated before it; break the cycle by moving the shared interface to a stage of its own"),
            };
            diags.push(d);
        }
        if diags.has_errors() {
            return Err(diags);
        }

        // Everything an export depends on, following wires from importer to exporter.
        let mut reached = vec![false; graph.node_count()];
        for export in &wiring.exports {
            let mut dfs = Dfs::new(&graph, nodes[&export.stage]);
            while let Some(n) = dfs.next(&graph) {
                reached[n.index()] = true;
            }
        }
        let mut warnings = Vec::new();
        let mut unreachable = Vec::new();
        for (name, node) in &nodes {
            if !reached[node.index()] {
                unreachable.push(name.clone());
                warnings.push(
                    Diagnostic::warning(format!("stage `{name}` is not used by any export and is left out of the artifact"))
                        .at_opt(&manifest.source, manifest.key_span(&["stages", name.as_str()]), "unused stage")
                        .help("export one of its interfaces under `exports:`, wire it into a used stage, or remove it"),
                );
            }
        }

        // Exporters first: a post-order walk over dependencies, in manifest order so the
        // result (and so the artifact's bytes) does not depend on hashing.
        let mut order = Vec::new();
        let mut done = vec![false; graph.node_count()];
        for node in nodes.values() {
            if reached[node.index()] {
                post_order(&graph, *node, &mut done, &mut order);
            }
        }
        let order = order.into_iter().map(|n| graph[n].name.clone()).collect();

        Ok((
            StageGraph {
                graph,
                nodes,
                order,
                unreachable,
            },
            warnings,
        ))
    }

    /// Renders the graph as Graphviz dot.
    pub fn to_dot(&self, manifest: &Manifest, wiring: &Wiring) -> String {
        let mut out = format!(
            "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box];\n",
            manifest.name
        );
        out += "  \"exports\" [shape=doublecircle, label=\"exports\"];\n";
        for node in self.graph.node_weights() {
            let style = if self.unreachable.contains(&node.name) {
                ", style=dashed"
            } else {
                ""
            };
            out += &format!(
                "  \"{0}\" [label=\"{0}\\n({1})\"{style}];\n",
                node.name, node.lang
            );
        }
        for e in &wiring.exports {
            out += &format!("  \"exports\" -> \"{}\" [label=\"{}\"];\n", e.stage, e.name);
        }
        for w in &wiring.wires {
            let style = if w.origin == WireOrigin::Explicit {
                ", style=bold"
            } else {
                ""
            };
            out += &format!(
                "  \"{}\" -> \"{}\" [label=\"{}\"{style}];\n",
                w.importer, w.exporter, w.import
            );
        }
        out += "}\n";
        out
    }

    /// Renders the graph as a Mermaid flowchart.
    pub fn to_mermaid(&self, wiring: &Wiring) -> String {
        let id = |name: &str| name.replace('-', "_");
        let mut out = String::from("flowchart LR\n  exports(((exports)))\n");
        for node in self.graph.node_weights() {
            out += &format!(
                "  {}[\"{} ({})\"]\n",
                id(node.name.as_str()),
                node.name,
                node.lang
            );
        }
        for e in &wiring.exports {
            out += &format!("  exports -- \"{}\" --> {}\n", e.name, id(e.stage.as_str()));
        }
        for w in &wiring.wires {
            let arrow = if w.origin == WireOrigin::Explicit {
                "=="
            } else {
                "--"
            };
            out += &format!(
                "  {} {arrow} \"{}\" {arrow}> {}\n",
                id(w.importer.as_str()),
                w.import,
                id(w.exporter.as_str())
            );
        }
        out
    }

    /// The stages an importer depends on directly.
    pub fn dependencies(&self, stage: &StageName) -> impl Iterator<Item = &StageName> {
        self.graph
            .neighbors_directed(self.nodes[stage], Direction::Outgoing)
            .map(|n| &self.graph[n].name)
    }
}

fn post_order(
    graph: &DiGraph<StageNode, usize>,
    node: NodeIndex,
    done: &mut [bool],
    out: &mut Vec<NodeIndex>,
) {
    if done[node.index()] {
        return;
    }
    done[node.index()] = true;
    // Neighbours come newest-edge first in petgraph; sort for manifest order.
    let mut deps: Vec<NodeIndex> = graph.neighbors(node).collect();
    deps.sort();
    deps.dedup();
    for dep in deps {
        post_order(graph, dep, done, out);
    }
    out.push(node);
}

/// Every cycle, as the stages along it (shortest way round), starting from the first
/// stage in manifest order of each strongly connected group.
fn cycles(graph: &DiGraph<StageNode, usize>) -> Vec<Vec<NodeIndex>> {
    let mut found = Vec::new();
    let mut sccs = tarjan_scc(graph);
    sccs.iter_mut().for_each(|c| c.sort());
    sccs.sort();
    for scc in sccs {
        let start = scc[0];
        if scc.len() < 2 && !graph.contains_edge(start, start) {
            continue;
        }
        // Breadth-first from `start` back to itself, inside the group.
        let mut parent: IndexMap<NodeIndex, NodeIndex> = IndexMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        'search: while let Some(n) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = graph.neighbors(n).filter(|m| scc.contains(m)).collect();
            next.sort();
            for m in next {
                if m == start {
                    parent.insert(start, n);
                    break 'search;
                }
                if !parent.contains_key(&m) {
                    parent.insert(m, n);
                    queue.push_back(m);
                }
            }
        }
        let mut path = vec![];
        let mut n = parent[&start];
        while n != start {
            path.push(n);
            n = parent[&n];
        }
        path.push(start);
        path.reverse();
        found.push(path);
    }
    found
}
