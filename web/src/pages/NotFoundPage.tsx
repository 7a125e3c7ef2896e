import { Button } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { Link, useLocation } from 'react-router';
import { EmptyState } from '../components/States';

export default function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <EmptyState
      icon={<IconMapOff size={26} />}
      title="Page not found"
      description={`Nothing lives at ${pathname}. The link may be old or mistyped.`}
      action={
        <Button component={Link} to="/">
          Go to the model catalog
        </Button>
      }
    />
  );
}
