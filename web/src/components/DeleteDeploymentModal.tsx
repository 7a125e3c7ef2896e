// Asks before deleting a deployment, then deletes it and says how that went.
import { Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useDeleteDeployment } from '../api/hooks';

export function DeleteDeploymentModal({
  target,
  onClose,
  onDeleted,
}: {
  target: { name: string; namespace: string } | null;
  onClose: () => void;
  onDeleted?: () => void;
}) {
  const del = useDeleteDeployment();
  const confirm = () => {
    if (!target) return;
    del.mutate(target, {
      onSuccess: () => {
        notifications.show({ color: 'teal', title: 'Deployment deleted', message: `${target.name} is being removed.` });
        onClose();
        onDeleted?.();
      },
      onError: (e) => notifications.show({ color: 'red', title: 'Delete failed', message: e.message }),
    });
  };
  return (
    <Modal opened={target !== null} onClose={onClose} title="Delete deployment" centered>
      <Stack>
        <Text size="sm">
          Delete <Code>{target?.name}</Code> in namespace <Code>{target?.namespace}</Code>? Its pods stop serving and
          this cannot be undone.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" onClick={confirm} loading={del.isPending} data-autofocus>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
