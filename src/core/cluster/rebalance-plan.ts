// What a rebalance moves: given where each metric is (every node's list) and where the new ring puts
// it, the copies to make and the sources to delete afterwards. Pure: the inventory and the lookup come
// in, the plan goes out.
//
// For a metric held by the nodes H and placed by the ring on the nodes T (replicas included):
// - every holder outside T is misplaced: its points must reach every node of T (each gets a copy by
//   fill rules), then, once each copy is verified, it may be deleted;
// - a node of T that does not hold the metric while no misplaced holder feeds it (a new replica) gets a
//   copy from the first holder in T;
// - a metric the ring places nowhere (blackholed, no matching rule) is left alone and counted;
// - self-metrics (carbon.agents.*, written by each node itself, never through the relay) are left alone.

import { SELF_METRIC_PREFIX } from './sieve.js'

export interface Move {
  metric: string
  /** The node copied from. */
  from: string
  /** The nodes filled from it, in the ring's order. */
  to: string[]
  /** The source's apparent size. */
  bytes: number
  /** The source is not a home of the metric: it may be deleted once every copy is verified. */
  misplaced: boolean
}

export interface RebalancePlan {
  /** Every node listed, in the order given. */
  nodes: string[]
  /** Metrics seen, distinct names over all nodes. */
  metrics: number
  /** Metrics already exactly where the ring puts them. */
  placed: number
  selfMetrics: number
  /** Metrics the ring places nowhere: left where they are. */
  unrouted: string[]
  moves: Move[]
  /** Bytes read from sources for the moves (each source once per destination). */
  copyBytes: number
  /** Bytes held by misplaced sources (what --delete-source frees). */
  misplacedBytes: number
  /** Per `from -> to`: metrics and bytes. */
  flows: { from: string; to: string; metrics: number; bytes: number }[]
}

/** Per node, its metrics and their sizes. */
export type Inventory = ReadonlyMap<string, ReadonlyMap<string, number>>

/**
 * The moves that put every metric of `inventory` where `destinationsOf` says.
 * @param destinationsOf the new ring's destinations of a name (members as the ring names them).
 */
export function planRebalance(
  inventory: Inventory,
  destinationsOf: (metric: string) => readonly string[],
): RebalancePlan {
  const holders = new Map<string, { node: string; bytes: number }[]>()
  for (const [node, metrics] of inventory) {
    for (const [metric, bytes] of metrics) {
      let list = holders.get(metric)
      if (!list) holders.set(metric, (list = []))
      list.push({ node, bytes })
    }
  }
  const plan: RebalancePlan = {
    nodes: [...inventory.keys()],
    metrics: holders.size,
    placed: 0,
    selfMetrics: 0,
    unrouted: [],
    moves: [],
    copyBytes: 0,
    misplacedBytes: 0,
    flows: [],
  }
  const moves: Move[] = []
  const addMove = (move: Move): void => void moves.push(move)
  for (const metric of [...holders.keys()].sort()) {
    const held = holders.get(metric)!
    if (metric.startsWith(SELF_METRIC_PREFIX)) {
      plan.selfMetrics++
      continue
    }
    const homes = homesOf(metric, destinationsOf)
    if (homes.length === 0) {
      plan.unrouted.push(metric)
      continue
    }
    const misplaced = held.filter((h) => !homes.includes(h.node))
    const atHome = held.filter((h) => homes.includes(h.node))
    if (misplaced.length === 0 && atHome.length === homes.length) {
      plan.placed++
      continue
    }
    for (const source of misplaced) addMove(misplacedMove(metric, source.node, source.bytes, homes)!)
    if (misplaced.length === 0) {
      const missing = homes.filter((home) => !atHome.some((h) => h.node === home))
      const first = homes.find((home) => atHome.some((h) => h.node === home))!
      const source = atHome.find((h) => h.node === first)!
      addMove({ metric, from: source.node, to: missing, bytes: source.bytes, misplaced: false })
    }
  }
  addMoves(plan, moves)
  return plan
}

/** A metric's new homes: a name routed twice to one node is still one file there. */
export function homesOf(metric: string, destinationsOf: (metric: string) => readonly string[]): string[] {
  return [...new Set(destinationsOf(metric))]
}

/**
 * The move of the copy of `metric` held on `node`, when the ring does not place it there: it goes to
 * every home whatever the other nodes hold, so it is known from that copy alone (rebalance moves it
 * while the other nodes are still listed). None for a self-metric, a metric routed nowhere, or a copy
 * at home.
 */
export function misplacedMove(
  metric: string,
  node: string,
  bytes: number,
  homes: readonly string[],
): Move | undefined {
  if (metric.startsWith(SELF_METRIC_PREFIX) || homes.length === 0 || homes.includes(node)) return undefined
  return { metric, from: node, to: [...homes], bytes, misplaced: true }
}

/** Add moves to a plan, with their bytes and their `from -> to` flows. */
export function addMoves(plan: RebalancePlan, moves: readonly Move[]): void {
  plan.moves.push(...moves)
  const flows = new Map<string, RebalancePlan['flows'][number]>()
  for (const move of plan.moves) {
    for (const to of move.to) {
      const key = `${move.from}\0${to}`
      let flow = flows.get(key)
      if (!flow) flows.set(key, (flow = { from: move.from, to, metrics: 0, bytes: 0 }))
      flow.metrics++
      flow.bytes += move.bytes
    }
  }
  for (const move of moves) {
    plan.copyBytes += move.bytes * move.to.length
    if (move.misplaced) plan.misplacedBytes += move.bytes
  }
  plan.flows = [...flows.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1))
}
