// The app's pages. Hash history: the same build runs from a file or custom protocol (desktop)
// and from `lab serve` (browser), and a reload keeps the page.
import { createRouter, createWebHashHistory } from 'vue-router';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/runs' },
    { path: '/runs', name: 'runs', component: () => import('./pages/runs/RunsPage.vue') },
    { path: '/new', name: 'new', component: () => import('./pages/new/NewExperimentPage.vue') },
    {
      path: '/experiments/:id(\\d+)',
      name: 'experiment',
      component: () => import('./pages/experiment/ExperimentPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
    },
    {
      path: '/runs/:id(\\d+)',
      name: 'run',
      component: () => import('./pages/run/RunDetailPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
    },
    {
      path: '/runs/:id(\\d+)/graph',
      name: 'graph',
      component: () => import('./pages/graph/GraphPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
    },
    { path: '/compare', name: 'compare', component: () => import('./pages/compare/ComparePage.vue') },
    { path: '/:unknown(.*)*', name: 'missing', component: () => import('./pages/MissingPage.vue') },
  ],
});
