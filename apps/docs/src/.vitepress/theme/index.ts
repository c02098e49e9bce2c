import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import { defineAsyncComponent } from 'vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    // Client-only: tfjs touches `window`, WebGL and wasm; the page renders it inside <ClientOnly>.
    app.component(
      'SpiralLive',
      defineAsyncComponent(() => import('./components/SpiralLive.vue')),
    );
    app.component(
      'RunExample',
      defineAsyncComponent(() => import('./components/RunExample.vue')),
    );
  },
} satisfies Theme;
