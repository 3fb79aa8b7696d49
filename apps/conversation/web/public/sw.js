/**
 * The inbox's service worker: shows a staff alert pushed by conversation (Web Push; the payload
 * is `{title, body, url}`) and opens the thread when it is clicked. Nothing is cached.
 */
self.addEventListener('push', (event) => {
  const alert = event.data ? event.data.json() : { title: 'Textback', body: '', url: '/inbox' };
  event.waitUntil(
    self.registration.showNotification(alert.title, {
      body: alert.body,
      tag: alert.url,
      data: { url: alert.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
