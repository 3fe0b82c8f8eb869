"use strict";(self.rspackChunkjupyter_designer=self.rspackChunkjupyter_designer||[]).push([[232],{475(e,r,t){var n=t(601),a=t.n(n),o=t(314),i=(t.n(o))()(a());i.push([e.id,`/* The main-area tab of a pipeline file (*.dpipeline) */
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
`,""]),t.d(r,{},{A:i})},314(e){e.exports=function(e){var r=[];return r.toString=function(){return this.map(function(r){var t="",n=void 0!==r[5];return r[4]&&(t+="@supports (".concat(r[4],") {")),r[2]&&(t+="@media ".concat(r[2]," {")),n&&(t+="@layer".concat(r[5].length>0?" ".concat(r[5]):""," {")),t+=e(r),n&&(t+="}"),r[2]&&(t+="}"),r[4]&&(t+="}"),t}).join("")},r.i=function(e,t,n,a,o){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(n)for(var s=0;s<this.length;s++){var p=this[s][0];null!=p&&(i[p]=!0)}for(var c=0;c<e.length;c++){var l=[].concat(e[c]);n&&i[l[0]]||(void 0!==o&&(void 0===l[5]||(l[1]="@layer".concat(l[5].length>0?" ".concat(l[5]):""," {").concat(l[1],"}")),l[5]=o),t&&(l[2]&&(l[1]="@media ".concat(l[2]," {").concat(l[1],"}")),l[2]=t),a&&(l[4]?(l[1]="@supports (".concat(l[4],") {").concat(l[1],"}"),l[4]=a):l[4]="".concat(a)),r.push(l))}},r}},601(e){e.exports=function(e){return e[1]}},72(e){var r=[];function t(e){for(var t=-1,n=0;n<r.length;n++)if(r[n].identifier===e){t=n;break}return t}function n(e,n){for(var a={},o=[],i=0;i<e.length;i++){var s=e[i],p=n.base?s[0]+n.base:s[0],c=a[p]||0,l="".concat(p," ").concat(c);a[p]=c+1;var u=t(l),d={css:s[1],media:s[2],sourceMap:s[3],supports:s[4],layer:s[5]};if(-1!==u)r[u].references++,r[u].updater(d);else{var f=function(e,r){var t=r.domAPI(r);return t.update(e),function(r){r?(r.css!==e.css||r.media!==e.media||r.sourceMap!==e.sourceMap||r.supports!==e.supports||r.layer!==e.layer)&&t.update(e=r):t.remove()}}(d,n);n.byIndex=i,r.splice(i,0,{identifier:l,updater:f,references:1})}o.push(l)}return o}e.exports=function(e,a){var o=n(e=e||[],a=a||{});return function(e){e=e||[];for(var i=0;i<o.length;i++){var s=t(o[i]);r[s].references--}for(var p=n(e,a),c=0;c<o.length;c++){var l=t(o[c]);0===r[l].references&&(r[l].updater(),r.splice(l,1))}o=p}}},659(e){var r={};e.exports=function(e,t){var n=function(e){if(void 0===r[e]){var t=document.querySelector(e);if(window.HTMLIFrameElement&&t instanceof window.HTMLIFrameElement)try{t=t.contentDocument.head}catch(e){t=null}r[e]=t}return r[e]}(e);if(!n)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");n.appendChild(t)}},540(e){e.exports=function(e){var r=document.createElement("style");return e.setAttributes(r,e.attributes),e.insert(r,e.options),r}},56(e,r,t){e.exports=function(e){var r=t.nc;r&&e.setAttribute("nonce",r)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var r=e.insertStyleElement(e);return{update:function(t){var n,a,o;n="",t.supports&&(n+="@supports (".concat(t.supports,") {")),t.media&&(n+="@media ".concat(t.media," {")),(a=void 0!==t.layer)&&(n+="@layer".concat(t.layer.length>0?" ".concat(t.layer):""," {")),n+=t.css,a&&(n+="}"),t.media&&(n+="}"),t.supports&&(n+="}"),(o=t.sourceMap)&&"u">typeof btoa&&(n+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(o))))," */")),e.styleTagTransform(n,r,e.options)},remove:function(){var e;null===(e=r).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,r){if(r.styleSheet)r.styleSheet.cssText=e;else{for(;r.firstChild;)r.removeChild(r.firstChild);r.appendChild(document.createTextNode(e))}}},579(e,r,t){var n=t(72),a=t.n(n),o=t(825),i=t.n(o),s=t(659),p=t.n(s),c=t(56),l=t.n(c),u=t(540),d=t.n(u),f=t(113),v=t.n(f),g=t(475),h={};h.styleTagTransform=v(),h.setAttributes=l(),h.insert=p().bind(null,"head"),h.domAPI=i(),h.insertStyleElement=d(),a()(g.A,h),g.A&&g.A.locals&&g.A.locals}}]);