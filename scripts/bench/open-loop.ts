/**
 * Latency below capacity: requests sent at a fixed overall rate (autocannon's `overallRate`),
 * whatever the answers' pace, so that a slow answer does not slow the senders down (an open loop).
 * The closed loop at 50 connections measures queueing at saturation; this measures what a client
 * sees at half of the measured maximum (issue 16).
 *
 * @module scripts/bench/open-loop
 */
import autocannon, { type RequestSpec } from 'autocannon';

export interface OpenLoopResult {
  /** Requests per second asked for. */
  rate: number;
  /** Requests per second answered. */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** `rate` requests per second for `seconds` over enough connections that none waits on another. */
export async function runOpenLoop(url: string, requests: RequestSpec[], rate: number, seconds: number): Promise<OpenLoopResult> {
  const result = await autocannon({ url, connections: 100, overallRate: Math.max(1, Math.round(rate)), duration: seconds, timeout: 10, requests });
  return { rate: Math.round(rate), rps: (result['2xx'] + result.non2xx) / result.duration, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}
