import { render } from 'preact';
import { ViewerApi } from './api.js';
import { savedKey } from './key.js';
import { JobPage } from './pages/job.js';
import { JobsPage } from './pages/jobs.js';
import { LeaderboardPage } from './pages/leaderboard.js';
import { TracePage } from './pages/trace.js';
import { routeOf } from './route.js';
import './styles.css';

function App() {
  const api = new ViewerApi({ key: savedKey() });
  const route = routeOf(window.location.pathname);
  switch (route.page) {
    case 'jobs':
      return <JobsPage api={api} />;
    case 'job':
      return <JobPage api={api} id={route.id} />;
    case 'trace':
      return <TracePage api={api} id={route.id} />;
    case 'leaderboard':
      return <LeaderboardPage api={api} taskset={route.taskset} />;
    default:
      return (
        <p class="error">
          No page at {route.path}. <a href="/jobs">All jobs</a>
        </p>
      );
  }
}

const root = document.getElementById('app');
if (root) {
  render(
    <>
      <nav class="top">
        <a href="/jobs">hud · jobs</a>
      </nav>
      <main>
        <App />
      </main>
    </>,
    root,
  );
}
