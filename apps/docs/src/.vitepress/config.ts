import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';
import { repositoryUrl } from '../../scripts/workspace';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The API sidebar written by typedoc-vitepress-theme (absent until `pnpm run generate` has run). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = here('../api/typedoc-sidebar.json');
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[];
}

/** The repository link in the nav bar (from the root package.json's `repository`). */
const repository = repositoryUrl();

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Installing', link: '/guide/install' },
      { text: 'Choosing a solver', link: '/guide/solvers' },
      { text: 'Backends', link: '/guide/backends' },
      { text: 'Models', link: '/guide/models' },
      { text: 'Datasets', link: '/guide/datasets' },
      { text: 'Command line', link: '/guide/cli' },
      { text: 'Reproducing the experiments', link: '/guide/experiments' },
    ],
  },
  { text: 'Live', items: [{ text: 'Spiral in your browser', link: '/live' }, { text: 'A tf.layers neural ODE', link: '/live-layers' }] },
];

const benchmarks: DefaultTheme.SidebarItem[] = [
  {
    text: 'Benchmarks',
    link: '/benchmarks/',
    items: ['odeint', 'backend', 'backend-native', 'models', 'datasets', 'trainer'].map((name) => ({
      text: `@neural-ode/${name}`,
      link: `/benchmarks/${name}`,
    })),
  },
];

export default defineConfig({
  title: 'neural-ode',
  description: 'Neural ordinary differential equations for TypeScript on TensorFlow.js.',
  lang: 'en-US',
  outDir: '../dist',
  // Generated fragments are included into the guides, not pages of their own.
  srcExclude: ['generated/**'],
  cleanUrls: false,
  lastUpdated: false,
  // Offline and private: nothing on the site asks another host for anything.
  head: [
    ['meta', { name: 'referrer', content: 'no-referrer' }],
    ['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }],
  ],
  markdown: { math: false },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'API', link: '/api/' },
      { text: 'Benchmarks', link: '/benchmarks/' },
      { text: 'Live demo', link: '/live' },
    ],
    socialLinks: repository ? [{ icon: 'github', link: repository }] : [],
    sidebar: {
      '/guide/': guide,
      '/live': guide,
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
      '/benchmarks/': benchmarks,
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'MIT licensed.' },
  },
  vite: {
    // The live page bundles tfjs and the workspace's odeint; wasm binaries are emitted as assets.
    build: { chunkSizeWarningLimit: 4000 },
    optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  },
});
