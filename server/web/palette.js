// The colours of Dreamlayer for the browser: game/client/palette.py's, copied (the
// server never imports the pygame client's modules). tests/web/test_protocol_js.py checks
// every value against palette.py. "cells" is CELL_LUT: the colour of a cell's code
// (state * 4 + realm), rows by state: unformed, dream (realm 1 Sanctuary, 2 Rest Zone,
// 3 both), mosaic, nightmare, wall; "wall_tones" the walls' interior, rim (touching
// floor) and front face (floor below), as cell_patterns() tells them apart.
export const PALETTE = {
  "cells": [
    [50, 46, 92], [50, 46, 92], [50, 46, 92], [50, 46, 92],
    [150, 140, 190], [240, 192, 92], [56, 200, 186], [206, 168, 255],
    [206, 168, 255], [206, 168, 255], [206, 168, 255], [206, 168, 255],
    [24, 8, 32], [24, 8, 32], [24, 8, 32], [24, 8, 32],
    [24, 26, 38], [24, 26, 38], [24, 26, 38], [24, 26, 38]
  ],
  "wall_tones": [[24, 26, 38], [70, 78, 104], [46, 52, 74]],
  "realm": {"0": [200, 196, 220], "1": [255, 206, 96], "2": [64, 222, 204], "3": [206, 168, 255]},
  "realm_light": {"0": [236, 232, 250], "1": [255, 238, 190], "2": [190, 255, 244], "3": [240, 226, 255]},
  "cadre": [58, 20, 82],
  "cadre_glow": [255, 60, 210],
  "cadre_rim": [240, 220, 255],
  "ethan": [40, 8, 30],
  "ethan_accent": [226, 30, 66],
  "mosaic_light": [250, 236, 255],
  "backdrop": [10, 9, 20]
};

export const REALM_NAMES = { 1: "Sanctuary", 2: "Rest Zone" };
export const ROLE_NAMES = { 1: "Architect", 2: "Innovator", 3: "Organizer" };

/** "rgb(r, g, b)" (with `alpha`: "rgba(...)") of an [r, g, b] colour. */
export function css(rgb, alpha) {
  return alpha === undefined ? `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`
    : `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}
