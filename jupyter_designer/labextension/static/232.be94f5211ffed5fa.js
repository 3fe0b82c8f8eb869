"use strict";(self.rspackChunkjupyter_designer=self.rspackChunkjupyter_designer||[]).push([[232],{475(e,r,a){var i=a(601),t=a.n(i),o=a(314),n=(a.n(o))()(t());n.push([e.id,`/* The main-area tab of a pipeline file (*.dpipeline) */
.jp-DesignerCanvas {
  overflow: auto;
  padding: 6px 8px;
  background: var(--jp-layout-color0);
}

.jp-DesignerCanvas-message {
  padding: 8px 4px;
  color: var(--jp-ui-font-color1);
  font-size: var(--jp-ui-font-size1);
}

.jp-DesignerCanvas-output .jp-OutputArea-output {
  overflow: visible;
}

/* The canvas fills the tab's height (the notebook's fixed height is for cells). */
.jp-DesignerCanvas .jd-canvas-wrap {
  height: max(480px, calc(100vh - 340px)) !important;
}

.jp-DesignerCanvas-saved {
  align-self: center;
  padding: 0 8px;
  color: var(--jp-ui-font-color2);
  font-size: var(--jp-ui-font-size1);
}

/* The Designer sidebar (left panel) */
.jp-DesignerSidebar {
  overflow: auto;
  background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1);
  font-size: var(--jp-ui-font-size1);
}

.jp-DesignerSidebar-header {
  padding: 8px 12px;
  font-weight: 600;
  text-transform: uppercase;
  border-bottom: var(--jp-border-width) solid var(--jp-border-color2);
}

.jp-DesignerSidebar-section {
  padding: 4px 12px 8px;
}

.jp-DesignerSidebar-title {
  margin: 8px 0 4px;
  font-size: var(--jp-ui-font-size1);
  font-weight: 600;
}

.jp-DesignerSidebar-experiment {
  margin: 6px 0 2px;
  font-size: var(--jp-ui-font-size0);
  color: var(--jp-ui-font-color2);
}

.jp-DesignerSidebar-list {
  list-style: none;
  margin: 0;
  padding: 0;
}

.jp-DesignerSidebar-item {
  display: flex;
  gap: 6px;
  padding: 2px 0;
  align-items: baseline;
}

.jp-DesignerSidebar-name {
  flex: 1;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
}

.jp-DesignerSidebar-meta,
.jp-DesignerSidebar-empty {
  color: var(--jp-ui-font-color2);
}

.jp-DesignerSidebar-status {
  min-width: 70px;
  font-size: var(--jp-ui-font-size0);
}

.jp-DesignerSidebar-error {
  color: var(--jp-error-color1);
  white-space: pre-wrap;
}

.jp-DesignerSidebar-header {
  display: flex;
  align-items: center;
  justify-content: space-between;
}

.jp-DesignerSidebar-item {
  flex-direction: column;
  align-items: stretch;
  gap: 2px;
  padding: 3px 0;
  border-bottom: var(--jp-border-width) solid var(--jp-border-color3);
}

.jp-DesignerSidebar-line {
  display: flex;
  gap: 6px;
  align-items: center;
  min-width: 0;
}

.jp-DesignerSidebar-actions {
  display: flex;
  flex-wrap: wrap;
  gap: 4px;
  align-items: center;
  margin: 2px 0;
}

.jp-DesignerSidebar-button.jp-mod-styled {
  height: 22px;
  padding: 0 6px;
  font-size: var(--jp-ui-font-size0);
  line-height: 20px;
  background: var(--jp-layout-color2);
  color: var(--jp-ui-font-color1);
  border: var(--jp-border-width) solid var(--jp-border-color1);
  border-radius: 2px;
  cursor: pointer;
}

.jp-DesignerSidebar-button.jp-mod-styled:disabled {
  opacity: 0.5;
  cursor: default;
}

.jp-DesignerSidebar-dataset,
.jp-DesignerSidebar-draft,
.jp-DesignerSidebar-run,
.jp-DesignerSidebar-trained {
  cursor: pointer;
}

.jp-DesignerSidebar-dataset:hover,
.jp-DesignerSidebar-draft:hover,
.jp-DesignerSidebar-run:hover {
  background: var(--jp-layout-color2);
}

.jp-DesignerSidebar-url,
.jp-DesignerSidebar-key {
  display: flex;
  gap: 4px;
  align-items: center;
  min-width: 0;
}

.jp-DesignerSidebar-url code,
.jp-DesignerSidebar-key code {
  flex: 1;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
  font-size: var(--jp-code-font-size);
  min-width: 0;
}

.jp-DesignerSidebar-copied {
  color: var(--jp-success-color1);
  font-size: var(--jp-ui-font-size0);
}

.jp-DesignerSidebar-health[data-health='healthy'] {
  color: var(--jp-success-color1);
}

.jp-DesignerSidebar-answer {
  max-height: 160px;
  overflow: auto;
  margin: 2px 0;
  padding: 4px;
  background: var(--jp-layout-color2);
  font-size: var(--jp-code-font-size);
  white-space: pre-wrap;
}

.jp-DesignerSidebar-answer.jp-mod-error {
  color: var(--jp-error-color1);
}

.jd-status-completed { color: var(--jp-success-color1); }
.jd-status-failed, .jd-status-interrupted { color: var(--jp-error-color1); }
.jd-status-running, .jd-status-queued { color: var(--jp-brand-color1); }

/* Main-area panels: run comparison, dataset preview */
.jp-DesignerCompare,
.jp-DesignerPreview {
  overflow: auto;
  padding: 8px 12px;
  background: var(--jp-layout-color0);
  color: var(--jp-ui-font-color1);
  font-size: var(--jp-ui-font-size1);
}

.jp-DesignerTable {
  border-collapse: collapse;
  margin-top: 8px;
}

.jp-DesignerTable th,
.jp-DesignerTable td {
  padding: 3px 8px;
  border: var(--jp-border-width) solid var(--jp-border-color2);
  text-align: left;
  vertical-align: top;
  white-space: pre-wrap;
}

.jp-DesignerTable th {
  background: var(--jp-layout-color2);
  font-weight: 600;
}

.jp-DesignerTable tr[data-kind='metric'] td:first-child {
  font-weight: 600;
}

.jp-DesignerTable tr.jd-differs td {
  background: var(--jp-warn-color3);
}

.jp-DesignerRegister label {
  display: flex;
  flex-direction: column;
  gap: 2px;
  margin: 6px 0;
}

.jp-DesignerCanvas-saved[data-dirty='true'] {
  color: var(--jp-warn-color1);
}

.jp-DesignerSidebar-line .jp-DesignerSidebar-name {
  flex: 1 1 auto;
  min-width: 40%;
}

.jp-DesignerSidebar-line .jp-DesignerSidebar-meta {
  flex: 0 1 auto;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
}

/* a key keeps its line; its buttons go under it when the panel is narrow */
.jp-DesignerSidebar-key {
  flex-wrap: wrap;
}

.jp-DesignerSidebar-key code.jp-DesignerSidebar-keyValue {
  flex: 1 1 60%;
}
`,""]),a.d(r,{},{A:n})},314(e){e.exports=function(e){var r=[];return r.toString=function(){return this.map(function(r){var a="",i=void 0!==r[5];return r[4]&&(a+="@supports (".concat(r[4],") {")),r[2]&&(a+="@media ".concat(r[2]," {")),i&&(a+="@layer".concat(r[5].length>0?" ".concat(r[5]):""," {")),a+=e(r),i&&(a+="}"),r[2]&&(a+="}"),r[4]&&(a+="}"),a}).join("")},r.i=function(e,a,i,t,o){"string"==typeof e&&(e=[[null,e,void 0]]);var n={};if(i)for(var p=0;p<this.length;p++){var s=this[p][0];null!=s&&(n[s]=!0)}for(var d=0;d<e.length;d++){var l=[].concat(e[d]);i&&n[l[0]]||(void 0!==o&&(void 0===l[5]||(l[1]="@layer".concat(l[5].length>0?" ".concat(l[5]):""," {").concat(l[1],"}")),l[5]=o),a&&(l[2]&&(l[1]="@media ".concat(l[2]," {").concat(l[1],"}")),l[2]=a),t&&(l[4]?(l[1]="@supports (".concat(l[4],") {").concat(l[1],"}"),l[4]=t):l[4]="".concat(t)),r.push(l))}},r}},601(e){e.exports=function(e){return e[1]}},72(e){var r=[];function a(e){for(var a=-1,i=0;i<r.length;i++)if(r[i].identifier===e){a=i;break}return a}function i(e,i){for(var t={},o=[],n=0;n<e.length;n++){var p=e[n],s=i.base?p[0]+i.base:p[0],d=t[s]||0,l="".concat(s," ").concat(d);t[s]=d+1;var c=a(l),u={css:p[1],media:p[2],sourceMap:p[3],supports:p[4],layer:p[5]};if(-1!==c)r[c].references++,r[c].updater(u);else{var f=function(e,r){var a=r.domAPI(r);return a.update(e),function(r){r?(r.css!==e.css||r.media!==e.media||r.sourceMap!==e.sourceMap||r.supports!==e.supports||r.layer!==e.layer)&&a.update(e=r):a.remove()}}(u,i);i.byIndex=n,r.splice(n,0,{identifier:l,updater:f,references:1})}o.push(l)}return o}e.exports=function(e,t){var o=i(e=e||[],t=t||{});return function(e){e=e||[];for(var n=0;n<o.length;n++){var p=a(o[n]);r[p].references--}for(var s=i(e,t),d=0;d<o.length;d++){var l=a(o[d]);0===r[l].references&&(r[l].updater(),r.splice(l,1))}o=s}}},659(e){var r={};e.exports=function(e,a){var i=function(e){if(void 0===r[e]){var a=document.querySelector(e);if(window.HTMLIFrameElement&&a instanceof window.HTMLIFrameElement)try{a=a.contentDocument.head}catch(e){a=null}r[e]=a}return r[e]}(e);if(!i)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");i.appendChild(a)}},540(e){e.exports=function(e){var r=document.createElement("style");return e.setAttributes(r,e.attributes),e.insert(r,e.options),r}},56(e,r,a){e.exports=function(e){var r=a.nc;r&&e.setAttribute("nonce",r)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var r=e.insertStyleElement(e);return{update:function(a){var i,t,o;i="",a.supports&&(i+="@supports (".concat(a.supports,") {")),a.media&&(i+="@media ".concat(a.media," {")),(t=void 0!==a.layer)&&(i+="@layer".concat(a.layer.length>0?" ".concat(a.layer):""," {")),i+=a.css,t&&(i+="}"),a.media&&(i+="}"),a.supports&&(i+="}"),(o=a.sourceMap)&&"u">typeof btoa&&(i+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(o))))," */")),e.styleTagTransform(i,r,e.options)},remove:function(){var e;null===(e=r).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,r){if(r.styleSheet)r.styleSheet.cssText=e;else{for(;r.firstChild;)r.removeChild(r.firstChild);r.appendChild(document.createTextNode(e))}}},579(e,r,a){var i=a(72),t=a.n(i),o=a(825),n=a.n(o),p=a(659),s=a.n(p),d=a(56),l=a.n(d),c=a(540),u=a.n(c),f=a(113),g=a.n(f),j=a(475),v={};v.styleTagTransform=g(),v.setAttributes=l(),v.insert=s().bind(null,"head"),v.domAPI=n(),v.insertStyleElement=u(),t()(j.A,v),j.A&&j.A.locals&&j.A.locals}}]);