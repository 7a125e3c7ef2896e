import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { captureTokenFromHash } from './api/auth';
import { App } from './App';

// Before anything asks the server: a `#token=` from `airunway login` becomes the session token.
captureTokenFromHash();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
