import { render } from 'solid-js/web';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app');
if (!root) throw new Error('#app is missing from index.html');
root.textContent = '';
render(() => <App />, root);
