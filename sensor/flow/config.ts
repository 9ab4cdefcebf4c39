/** Flow tracking settings, named after suricata.yaml's `flow:` and `flow-timeouts:`. */
export interface FlowConfig {
  /** Max concurrent flows per worker (the table is preallocated to this). */
  maxFlows: number;
  /** Idle timeouts in seconds (Suricata defaults). */
  timeouts: {
    tcp: { new: number; established: number; closed: number };
    udp: { new: number; established: number };
    icmp: { new: number; established: number };
    default: { new: number; established: number };
  };
  /** Seconds between interim records of a live flow; 0 = only at the end. */
  periodicInterval: number;
  /** Separate flows by VLAN id (Suricata vlan.use-for-tracking). */
  vlanTracking: boolean;
}

export const DEFAULT_FLOW_CONFIG: FlowConfig = {
  maxFlows: 262_144,
  timeouts: {
    tcp: { new: 60, established: 600, closed: 60 },
    udp: { new: 30, established: 300 },
    icmp: { new: 30, established: 300 },
    default: { new: 30, established: 300 },
  },
  periodicInterval: 0,
  vlanTracking: true,
};
