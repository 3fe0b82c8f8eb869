import { LabIcon } from '@jupyterlab/ui-components';

/** Three connected blocks: a pipeline file. */
const PIPELINE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon-selectable" fill="none" stroke="#1976d2" stroke-width="1.8">
    <path d="M7 6.5h4.5v11H17"/>
    <path d="M11.5 12H17"/>
  </g>
  <g class="jp-icon-selectable" fill="#1976d2">
    <rect x="1.5" y="3.5" width="7" height="6" rx="1.2"/>
    <rect x="15.5" y="9" width="7" height="6" rx="1.2"/>
    <rect x="15.5" y="15" width="7" height="6" rx="1.2" fill="#43a047"/>
  </g>
</svg>`;

/** The launcher card: a canvas with connected modules. */
const DESIGNER_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="52" height="52" viewBox="0 0 52 52">
  <rect x="2" y="4" width="48" height="44" rx="4" fill="#e3f2fd" stroke="#1976d2" stroke-width="2"/>
  <g fill="none" stroke="#455a64" stroke-width="2">
    <path d="M18 15h8v11h6"/>
    <path d="M26 26v11h6"/>
  </g>
  <rect x="7" y="10" width="13" height="9" rx="2" fill="#1976d2"/>
  <rect x="31" y="21" width="13" height="9" rx="2" fill="#1976d2"/>
  <rect x="31" y="33" width="13" height="9" rx="2" fill="#43a047"/>
</svg>`;

export const pipelineIcon = new LabIcon({
  name: 'jupyter-designer:pipeline',
  svgstr: PIPELINE_SVG
});

export const designerIcon = new LabIcon({
  name: 'jupyter-designer:designer',
  svgstr: DESIGNER_SVG
});
