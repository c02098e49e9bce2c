import { Resvg } from '@resvg/resvg-js';

/**
 * Rasterises an SVG document to PNG bytes with resvg (`@resvg/resvg-js`, prebuilt binaries from the npm
 * registry), at `scale`× the SVG's size. Text uses the system's fonts; where there are none, text is left out
 * and the lines and markers are still drawn.
 * @param svg - the SVG document's text.
 * @param scale - zoom factor over the SVG's own width and height; default 2.
 */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
