/**
 * The Wi-SUN dongles the collector knows (protocol.md §A.8), named once for the SKSTACK
 * client, the emulator and the CLI; `auto` detects the family at run time.
 */
export const DONGLES = ['BP35A1', 'RL7023-IPS', 'BP35C0', 'BP35C2', 'RS-WSUHA-P', 'RL7023-DSS'] as const;
export type Dongle = (typeof DONGLES)[number];

/** What a user can name with `--dongle` / `WISUN_DONGLE`. */
export const DONGLE_MODELS = ['auto', ...DONGLES] as const;
export type DongleModel = (typeof DONGLE_MODELS)[number];
