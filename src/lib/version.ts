/** skiff's version, printed by `skiff --version` and `skiff version`. */
export const VERSION = "0.1.0";
