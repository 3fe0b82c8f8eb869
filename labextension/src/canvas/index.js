// anywidget entry point of the jupyter-designer canvas (see labextension/README.md).
import { CanvasView } from "./view.js";

export default {
  render({ model, el }) {
    const view = new CanvasView(model, el);
    view.start();
    return () => view.destroy();
  },
};
